"""Trio's version of channel_pingpong.c: two tasks, two open_memory_channel(0); one op =
one round trip.  Prints "ns_per_roundtrip=<x>"."""
import sys
import time

import trio


async def main(rounds):
    ping_tx, ping_rx = trio.open_memory_channel(0)
    pong_tx, pong_rx = trio.open_memory_channel(0)

    async def ponger():
        async for v in ping_rx:
            await pong_tx.send(v)

    async def pinger(n):
        for i in range(n):
            await ping_tx.send(i)
            await pong_rx.receive()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(ponger)
        await pinger(rounds // 10 + 1)
        t0 = time.perf_counter()
        await pinger(rounds)
        ns = (time.perf_counter() - t0) * 1e9 / rounds
        await ping_tx.aclose()
    print(f"channel_pingpong impl=trio rounds={rounds} ns_per_roundtrip={ns:.1f}")


if __name__ == "__main__":
    trio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 100000)
