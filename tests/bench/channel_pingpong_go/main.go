// Go's version of channel_pingpong.c: two goroutines, two unbuffered channels; one op =
// one round trip.  Prints "ns_per_roundtrip=<x>".
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	rounds := 2000000
	if len(os.Args) > 1 {
		rounds, _ = strconv.Atoi(os.Args[1])
	}
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < rounds/10+1; i++ { // warm-up
		ping <- i
		<-pong
	}
	t0 := time.Now()
	for i := 0; i < rounds; i++ {
		ping <- i
		<-pong
	}
	ns := float64(time.Since(t0).Nanoseconds()) / float64(rounds)
	close(ping)
	fmt.Printf("channel_pingpong impl=go rounds=%d ns_per_roundtrip=%.1f\n", rounds, ns)
}
