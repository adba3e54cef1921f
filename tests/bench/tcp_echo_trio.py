"""The Trio echo server of tests/bench/tcp_echo.sh: trio.serve_tcp, a task per connection.

Listens on 127.0.0.1 (port from argv, 0 = any), prints "port=<n>", echoes until killed.
"""
import sys

import trio


async def echo(stream):
    try:
        while True:
            data = await stream.receive_some(16384)
            if not data:
                return
            await stream.send_all(data)
    except trio.BrokenResourceError:
        return


async def main(port):
    listeners = await trio.open_tcp_listeners(port, host="127.0.0.1")
    print(f"port={listeners[0].socket.getsockname()[1]}", flush=True)
    await trio.serve_listeners(echo, listeners)


if __name__ == "__main__":
    trio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 0)
