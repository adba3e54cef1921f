module anyc/tcpechobench

go 1.19
