# splits.gp: speedup of prime counting on MPI, by how the work is split,
# from 1 rank to twice the cores.  make plots sets the terminal, the
# output and `datafile` (columns: ranks, then time and speedup per split).
set key bottom right box opaque
set xlabel "ranks (processes)"
set ylabel "speedup over the same split on one rank"
set grid
stats datafile using 1 nooutput
maxr = STATS_max
cores = maxr / 2
set xrange [1:maxr]
set yrange [0:cores * 1.15]
set xtics 1
ideal(x) = x < cores ? x : cores
plot ideal(x) title "ideal: one core per rank, then no more" with lines dashtype 2 lc rgb "#999999", \
     datafile using 1:3 title "block" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#6a9fd4", \
     datafile using 1:5 title "cyclic" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#d49a6a", \
     datafile using 1:7 title "master/worker (idle master)" with linespoints pt 9 ps 1.4 lw 2 lc rgb "#b22222"
