"""py_asyncio.py: chapter 7's workloads on one thread (module asyncio).

CPU: the chunks run one after another on the loop, yielding between
them; one thread computes, at the speed of one thread.  I/O: a coroutine
per connection, all on the one thread; a waiting connection costs a
coroutine and a socket, not a thread."""
import asyncio
import socket
import sys
import time

sys.dont_write_bytecode = True
import pyshow  # noqa: E402


async def count_all(n):
    total = 0
    for lo, hi in pyshow.chunks(n):
        total += pyshow.count_primes(lo, hi)
        await asyncio.sleep(0)  # a yield point: other tasks could run here
    return total


def cpu(n, workers):
    return asyncio.run(count_all(n)), 0.0


# [snippet session]
async def session(port, c, per_conn):
    lats = []
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return lats
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for k in range(per_conn):
            line = f"{c}.{k}\n".encode()
            t0 = time.perf_counter()
            writer.write(line)
            if await reader.readline() != line:  # the loop serves others meanwhile
                break
            lats.append((time.perf_counter() - t0) * 1e3)
    except OSError:
        pass
    writer.close()
    return lats


async def io_all(port, conns, per_conn):
    return await asyncio.gather(*(session(port, c, per_conn) for c in range(conns)))
# [end session]


def io(port, conns, per_conn):
    return asyncio.run(io_all(port, conns, per_conn)), 0.0


if __name__ == "__main__":
    pyshow.main(cpu, io)
