// main.go — anyc's benchmark workloads written in Go, the external anchor.
//
// Usage: gobench <workload> [n]   (compare.sh runs it with GOMAXPROCS=1)
//
// The same workloads as tests/bench/anyc_bench.c (its header says what each measures),
// in idiomatic Go: a sync.WaitGroup joins (the closest thing to a group), a
// context.Context carries cancellation (errgroup's model), runtime.Gosched is the yield,
// and a checkpoint is a Gosched plus a non-blocking look at ctx.Done().  No dependencies
// beyond the standard library, so it builds offline.  Output: one key=value line, in
// anyc_bench's format.  The timed loops run a warm-up pass (a tenth of n) first; sleepers
// is cold.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

type metrics []struct {
	key string
	val float64
}

func rssBytes() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize())
}

func spawnJoinRound(n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
}

const batch = 1000

// spawnBatch spawns n goroutines (rounded up to whole batches) joined batch at a time.
func spawnBatch(n int) {
	for done := 0; done < n; done += batch {
		spawnJoinRound(batch)
	}
}

func yielder(rounds int, wg *sync.WaitGroup) {
	for i := 0; i < rounds; i++ {
		runtime.Gosched()
	}
	wg.Done()
}

func pingpongRound(rounds int) {
	var wg sync.WaitGroup
	wg.Add(2)
	go yielder(rounds, &wg)
	go yielder(rounds, &wg)
	wg.Wait()
}

// checkpoint is a schedule point and a cancel point, as in anyc and Trio.
func checkpoint(ctx context.Context) error {
	runtime.Gosched()
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}

func scopeLoop(n int) {
	parent := context.Background()
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(parent, 10*time.Second)
		_ = checkpoint(ctx)
		cancel()
	}
}

func checkpointLoop(n int) {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		_ = checkpoint(ctx)
	}
}

func timed(n int, per float64, f func(int)) metrics {
	f(n/10 + 1)
	t0 := time.Now()
	f(n)
	return metrics{{"ns_per_op", float64(time.Since(t0).Nanoseconds()) / per}}
}

func sleepers(n int) metrics {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var started sync.WaitGroup // every sleeper has reached its sleep
	sleeper := func() {
		defer wg.Done()
		t := time.NewTimer(10 * time.Second)
		started.Done()
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	rss0 := rssBytes()
	t0 := time.Now()
	wg.Add(n)
	started.Add(n)
	for i := 0; i < n; i++ {
		go sleeper()
	}
	started.Wait()
	t1 := time.Now()
	rss1 := rssBytes()
	t2 := time.Now()
	cancel()
	wg.Wait()
	t3 := time.Now()
	fn := float64(n)
	return metrics{
		{"spawn_ns_per_task", float64(t1.Sub(t0).Nanoseconds()) / fn},
		{"rss_bytes_per_task", (rss1 - rss0) / fn},
		{"cancel_ns_per_task", float64(t3.Sub(t2).Nanoseconds()) / fn},
	}
}

func main() {
	defaults := map[string]int{"spawn_join": 1000000, "spawn_batch": 1000000, "yield_pingpong": 1000000,
		"sleepers": 100000, "timeout_scope": 1000000, "checkpoint_only": 1000000}
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: gobench <workload> [n]")
		os.Exit(2)
	}
	w := os.Args[1]
	n, ok := defaults[w]
	if !ok {
		fmt.Fprintf(os.Stderr, "gobench: unknown workload %q\n", w)
		os.Exit(2)
	}
	if len(os.Args) == 3 {
		var err error
		if n, err = strconv.Atoi(os.Args[2]); err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "gobench: bad n %q\n", os.Args[2])
			os.Exit(2)
		}
	}
	var m metrics
	switch w {
	case "spawn_join":
		m = timed(n, float64(n), spawnJoinRound)
	case "spawn_batch":
		n = (n + batch - 1) / batch * batch
		m = timed(n, float64(n), spawnBatch)
	case "yield_pingpong":
		m = timed(n, 2*float64(n), pingpongRound)
	case "sleepers":
		m = sleepers(n)
	case "timeout_scope":
		m = timed(n, float64(n), scopeLoop)
	case "checkpoint_only":
		m = timed(n, float64(n), checkpointLoop)
	}
	fmt.Printf("impl=go workload=%s n=%d", w, n)
	for _, kv := range m {
		fmt.Printf(" %s=%.1f", kv.key, kv.val)
	}
	fmt.Println()
}
