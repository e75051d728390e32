# scaling.gp: prime counting with C threads, and with the same threads
# under one global lock (a GIL).  make plots sets the terminal, the output
# and `datafile`.
set key top left box opaque
set xlabel "threads"
set ylabel "speedup over one thread without a lock"
set grid
stats datafile using 1 nooutput
set xrange [1:STATS_max]
set xtics 1
# the cores of the machine that measured the data, from its "# machine:" line
cores = system("sed -n 's/^# machine: \\([0-9]*\\) usable.*/\\1/p' " . datafile) + 0
set yrange [0:cores + 0.5]
plot (x < cores ? x : cores) title "ideal on this machine" with lines dashtype 2 lc rgb "#999999", \
     datafile using 1:3 title "C threads" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222", \
     datafile using 1:5 title "the same threads under a GIL" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#6a9fd4"
