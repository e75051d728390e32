"""pyshow.py: what chapter 7's four Python scripts share.

The workloads are chapter 1's, in Python: counting primes by trial
division, and sessions with the slow server (one connection, a line sent,
the same line awaited, again).  Each script (py_sequential.py,
py_multiprocessing.py, py_threading.py, py_asyncio.py) supplies a model
for each workload and calls main(), which runs one of them as the command
line says and prints one result line for `showdown` to read:

    python3 py_threading.py cpu N WORKERS          # primes below N
    python3 py_threading.py io PORT CONNS PER_CONN # against a slow server

Standard library only.
"""
import os
import resource
import socket
import sys
import time

CHUNK = 2000  # numbers per piece of CPU work: Python is slower than C


# [snippet is_prime]
def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True
# [end is_prime]


def count_primes(lo, hi):
    return sum(1 for n in range(lo, hi) if is_prime(n))


def chunks(n):
    return [(lo, min(lo + CHUNK, n)) for lo in range(0, n, CHUNK)]


# [snippet session]
def session(port, c, per_conn):
    """One connection, blocking: request k is the line "c.k", and its reply
    must be the same line.  Returns the latencies (ms) of the right replies."""
    lats = []
    try:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            replies = s.makefile("rb")
            for k in range(per_conn):
                line = f"{c}.{k}\n".encode()
                t0 = time.perf_counter()
                s.sendall(line)
                if replies.readline() != line:
                    break
                lats.append((time.perf_counter() - t0) * 1e3)
    except OSError:
        pass
    return lats
# [end session]


def peak_mb():
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def anon_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds():
    """User + system time of this process and of the children it waited for."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    return sorted_values[int((len(sorted_values) - 1) * q)]


def main(cpu, io):
    """cpu(n, workers) -> (count, children's summed peak MB);
    io(port, conns, per_conn) -> (latency lists, children's summed peak MB)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    kind, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    t0, c0 = time.perf_counter(), cpu_seconds()
    if kind == "cpu":
        ok, kids_mb = cpu(*args)
        failed, lats = 0, []
    else:
        per_conn, sessions = args[2], None
        sessions, kids_mb = io(*args)
        lats = sorted(ms for s in sessions for ms in s)
        ok, failed = len(lats), args[1] * per_conn - len(lats)
    wall, used = time.perf_counter() - t0, cpu_seconds() - c0
    print(f"result: {ok} {failed} {wall:.6f} {used:.6f} {peak_mb() + kids_mb:.3f} "
          f"{anon_mb():.3f} {percentile(lats, 0.5):.4f} {percentile(lats, 0.99):.4f}",
          flush=True)
