# amdahl.gp: measured speedup of prime counting against Amdahl's law.
# make plots sets the terminal, the output and `datafile`.
set key top left box opaque
set xlabel "worker threads"
set ylabel "speedup over one thread"
set grid
set xrange [1:*]
set yrange [0:*]
stats datafile using 1 nooutput
maxw = STATS_max
set xrange [1:maxw]
amdahl(n, s) = 1 / (s + (1 - s) / n)
set samples 200
plot x title "ideal (s = 0)" with lines dashtype 2 lc rgb "#999999", \
     amdahl(x, 0.05) title "Amdahl, s = 0.05" with lines lc rgb "#6a9fd4", \
     amdahl(x, 0.25) title "Amdahl, s = 0.25" with lines lc rgb "#d49a6a", \
     datafile using 1:3 title "measured on this machine" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222"
