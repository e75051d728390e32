# granularity.gp: when does a task pay for its trip to a worker process?
# make plots sets the terminal, the output and `datafile`.
set key bottom right box opaque
set xlabel "time one task takes (µs, log scale)"
set ylabel "speedup over one process (log scale)"
set logscale xy
set grid
stats datafile using 9 nooutput
cores = STATS_max
set yrange [0.0002:cores * 3]
set format x "%g"
set format y "%g"
plot cores title "one worker per core, no overhead" with lines dashtype 2 lc rgb "#999999", \
     1 title "break-even" with lines lc rgb "#444444", \
     datafile using 2:8 title "64 tasks per message" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#2a6fb0", \
     datafile using 2:7 title "one task per message" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222"
