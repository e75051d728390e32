# sweep.gp: the cost of parallelism (maps.c).  Speedup of a process pool
# and of a thread pool over plain sequential code, against the time one
# task takes; below 1, the pool loses.  Start-up and stop are included.
set logscale xy
set xlabel "time one task takes, sequentially (µs)"
set ylabel "speedup over sequential code"
set key top left
set grid
set yrange [0.01:4]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb "gray40"
set label "break-even" at graph 0.02, first 1.25 tc rgb "gray40"
plot datafile using 2:6 with linespoints lw 2 pt 7 title "process pool", \
     datafile using 2:7 with linespoints lw 2 pt 5 title "thread pool"
