"""py_multiprocessing.py: chapter 7's workloads on processes (module
multiprocessing).

CPU: a Pool of `workers` processes, one chunk per task; each process has
its own interpreter and its own GIL, so they compute in parallel.  I/O: a
Process per connection.  Each worker reports its own peak memory, so that
the memory of the run can be added up over the processes."""
import multiprocessing as mp
import os
import sys

sys.dont_write_bytecode = True
import pyshow  # noqa: E402


def count_chunk(piece):
    return pyshow.count_primes(*piece), os.getpid(), pyshow.peak_mb()


# [snippet cpu]
def cpu(n, workers):
    total, peaks = 0, {}
    with mp.Pool(workers) as pool:
        for count, pid, mb in pool.imap_unordered(count_chunk, pyshow.chunks(n)):
            total += count
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
        pool.close()
        pool.join()  # waited for: their CPU time counts
    return total, sum(peaks.values())
# [end cpu]


def one(results, port, c, per_conn):
    results.put((pyshow.session(port, c, per_conn), pyshow.peak_mb()))


def io(port, conns, per_conn):
    results = mp.SimpleQueue()
    procs = [mp.Process(target=one, args=(results, port, c, per_conn)) for c in range(conns)]
    for p in procs:
        p.start()
    got = [results.get() for _ in procs]
    for p in procs:
        p.join()
    return [lats for lats, _ in got], sum(mb for _, mb in got)


if __name__ == "__main__":
    pyshow.main(cpu, io)
