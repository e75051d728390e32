"""py_sequential.py: chapter 7's workloads, one thing at a time (the baseline)."""
import sys

sys.dont_write_bytecode = True
import pyshow  # noqa: E402  (after the line above: no __pycache__ in the book's tree)


def cpu(n, workers):
    return pyshow.count_primes(0, n), 0.0


def io(port, conns, per_conn):
    return [pyshow.session(port, c, per_conn) for c in range(conns)], 0.0


if __name__ == "__main__":
    pyshow.main(cpu, io)
