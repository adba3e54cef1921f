"""bench.py — anyc's benchmark workloads written for Trio and for AnyIO.

Usage: /usr/bin/python3 bench.py <trio|anyio> <workload> [n]

The same workloads as tests/bench/anyc_bench.c (read its header for what each measures),
written once against the API Trio and AnyIO share (nursery/task group, start_soon,
cancel_scope, sleep, move_on_after, lowlevel.checkpoint) and run by either library, so
the two columns differ only in the library.  AnyIO runs on its default backend, asyncio.
Prints one key=value line per run, in anyc_bench's format.  Timing is
time.perf_counter_ns() around the measured section; the timed loops run a warm-up pass
(a tenth of n) first, as anyc_bench does; sleepers is cold.

Run it with Debian's /usr/bin/python3: python3-trio and python3-anyio install there.
"""
import sys
import time


def load(impl):
    """The library's entry points, under common names."""
    if impl == "trio":
        import trio
        import trio.lowlevel

        return dict(run=trio.run, open_group=trio.open_nursery, sleep=trio.sleep,
                    checkpoint=trio.lowlevel.checkpoint, move_on_after=trio.move_on_after)
    if impl == "anyio":
        import anyio
        import anyio.lowlevel

        return dict(run=anyio.run, open_group=anyio.create_task_group, sleep=anyio.sleep,
                    checkpoint=anyio.lowlevel.checkpoint, move_on_after=anyio.move_on_after)
    raise SystemExit(f"bench.py: unknown implementation {impl!r}")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def report(impl, workload, n, **metrics):
    fields = " ".join(f"{k}={v:.1f}" for k, v in metrics.items())
    print(f"impl={impl} workload={workload} n={n} {fields}", flush=True)


async def noop():
    pass


async def spawn_join_round(lib, n):
    async with lib["open_group"]() as g:
        for _ in range(n):
            g.start_soon(noop)


async def spawn_join(lib, n):
    await spawn_join_round(lib, n // 10 + 1)
    t0 = time.perf_counter_ns()
    await spawn_join_round(lib, n)
    return dict(ns_per_op=(time.perf_counter_ns() - t0) / n)


BATCH = 1000


async def spawn_batch(lib, n):
    n = -(-n // BATCH) * BATCH  # whole batches
    for _ in range(n // 10 // BATCH + 1):
        await spawn_join_round(lib, BATCH)
    t0 = time.perf_counter_ns()
    for _ in range(n // BATCH):
        await spawn_join_round(lib, BATCH)
    return dict(ns_per_op=(time.perf_counter_ns() - t0) / n)


async def yielder(lib, rounds):
    sleep = lib["sleep"]
    for _ in range(rounds):
        await sleep(0)


async def pingpong_round(lib, rounds):
    async with lib["open_group"]() as g:
        g.start_soon(yielder, lib, rounds)
        g.start_soon(yielder, lib, rounds)


async def yield_pingpong(lib, n):
    await pingpong_round(lib, n // 10 + 1)
    t0 = time.perf_counter_ns()
    await pingpong_round(lib, n)
    return dict(ns_per_op=(time.perf_counter_ns() - t0) / (2 * n))


async def sleepers(lib, n):
    asleep = 0

    async def sleeper():
        nonlocal asleep
        asleep += 1
        await lib["sleep"](10)

    async with lib["open_group"]() as g:
        rss0 = rss_bytes()
        t0 = time.perf_counter_ns()
        for _ in range(n):
            g.start_soon(sleeper)
        while asleep < n:
            await lib["sleep"](0)
        t1 = time.perf_counter_ns()
        rss1 = rss_bytes()
        t2 = time.perf_counter_ns()
        g.cancel_scope.cancel()
    t3 = time.perf_counter_ns()
    return dict(spawn_ns_per_task=(t1 - t0) / n, rss_bytes_per_task=(rss1 - rss0) / n,
                cancel_ns_per_task=(t3 - t2) / n)


async def timed_loop(body, lib, n):
    await body(lib, n // 10 + 1)
    t0 = time.perf_counter_ns()
    await body(lib, n)
    return dict(ns_per_op=(time.perf_counter_ns() - t0) / n)


async def scope_loop(lib, n):
    move_on_after, checkpoint = lib["move_on_after"], lib["checkpoint"]
    for _ in range(n):
        with move_on_after(10):
            await checkpoint()


async def checkpoint_loop(lib, n):
    checkpoint = lib["checkpoint"]
    for _ in range(n):
        await checkpoint()


async def timeout_scope(lib, n):
    return await timed_loop(scope_loop, lib, n)


async def checkpoint_only(lib, n):
    return await timed_loop(checkpoint_loop, lib, n)


WORKLOADS = dict(spawn_join=(spawn_join, 100000), spawn_batch=(spawn_batch, 100000),
                 yield_pingpong=(yield_pingpong, 100000),
                 sleepers=(sleepers, 100000), timeout_scope=(timeout_scope, 100000),
                 checkpoint_only=(checkpoint_only, 100000))


def main(argv):
    if len(argv) not in (3, 4) or argv[2] not in WORKLOADS:
        raise SystemExit(f"usage: bench.py <trio|anyio> <{'|'.join(WORKLOADS)}> [n]")
    impl, workload = argv[1], argv[2]
    fn, n = WORKLOADS[workload]
    if len(argv) == 4:
        n = int(argv[3])
    lib = load(impl)
    metrics = lib["run"](fn, lib, n)
    report(impl, workload, n, **metrics)


if __name__ == "__main__":
    main(sys.argv)
