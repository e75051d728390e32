# chapters/08-mpi/rules.mk: chapter 8's demos and benches are MPI programs,
# so they compile with Open MPI's wrapper around gcc (same flags, plus
# MPI's headers and library).  They start their own jobs through
# lib/mpirun.h, which adds what mpirun needs as root and past the cores.
MPICC ?= mpicc
$(B)/demo/08-mpi/%: CC := $(MPICC)
# bench_balance.c includes bench_splits.c (the same jobs, another table).
$(B)/demo/08-mpi/bench_balance: chapters/08-mpi/bench_splits.c
