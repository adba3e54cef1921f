module anyc/channelpingpong

go 1.19
