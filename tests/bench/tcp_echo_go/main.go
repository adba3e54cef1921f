// The Go echo server of tests/bench/tcp_echo.sh: a goroutine per connection, the
// idiomatic Go server.  Listens on 127.0.0.1 (port from argv, 0 = any), prints
// "port=<n>", echoes until killed.  Uses GOMAXPROCS as Go sets it (all cores).
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 16384)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func main() {
	port := 0
	if len(os.Args) > 1 {
		port, _ = strconv.Atoi(os.Args[1])
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("port=%d\n", l.Addr().(*net.TCPAddr).Port)
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go echo(c)
	}
}
