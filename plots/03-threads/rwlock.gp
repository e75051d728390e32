# rwlock.gp: throughput of two threads reading and writing a table under
# a mutex and under a reader-writer lock, against the share of writes.
# make plots sets the terminal, the output and `datafile`.
set key top right box opaque
set xlabel "writes (% of operations)"
set ylabel "million operations per second"
set grid
set xtics ("0" 0, "1" 1, "10" 2, "50" 3)
set xrange [-0.3:3.3]
set yrange [0:*]
plot datafile using 0:2 title "mutex" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#6a9fd4", \
     datafile using 0:3 title "reader-writer lock" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#b22222"
