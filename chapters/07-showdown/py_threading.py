"""py_threading.py: chapter 7's workloads on threads (module threading).

CPU: `workers` threads take chunks from a queue.  Under the GIL only one
of them runs Python code at a time, so this runs at about the speed of one
thread.  I/O: a thread per connection, each blocking on its socket; the
GIL is released while a thread waits, so they all wait at once."""
import queue
import sys
import threading

sys.dont_write_bytecode = True
import pyshow  # noqa: E402


# [snippet cpu]
def cpu(n, workers):
    todo = queue.SimpleQueue()
    for piece in pyshow.chunks(n):
        todo.put(piece)
    counts = []

    def worker():
        mine = 0
        while True:
            try:
                lo, hi = todo.get_nowait()
            except queue.Empty:
                break
            mine += pyshow.count_primes(lo, hi)
        counts.append(mine)  # list.append is atomic in CPython

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), 0.0
# [end cpu]


def io(port, conns, per_conn):
    sessions = [[] for _ in range(conns)]

    def one(c):
        sessions[c] = pyshow.session(port, c, per_conn)

    threads = [threading.Thread(target=one, args=(c,)) for c in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sessions, 0.0


if __name__ == "__main__":
    pyshow.main(cpu, io)
