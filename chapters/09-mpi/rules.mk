# chapters/09-mpi/rules.mk: chapter 9's demos and benches are MPI programs,
# so they compile with Open MPI's wrapper around gcc (same flags, plus
# MPI's headers and library).  They start their own jobs through
# lib/mpirun.h, which adds what mpirun needs as root and past the cores.
MPICC ?= mpicc
$(B)/demo/09-mpi/%: CC := $(MPICC)
# bench_balance.c includes bench_splits.c (the same jobs, another table).
$(B)/demo/09-mpi/bench_balance: chapters/09-mpi/bench_splits.c
