module anycbench

go 1.19
