# split.gp: speedup of prime counting over worker processes, static
# slices against dynamic chunks.
# make plots sets the terminal, the output and `datafile`.
set key bottom right box opaque
set xlabel "worker processes"
set ylabel "speedup over one process"
set grid
stats datafile using 1 nooutput
maxw = STATS_max
stats datafile using 6 nooutput
cores = STATS_max
set xrange [1:maxw]
set xtics 1
set yrange [0:cores + 0.5]
ideal(n) = n < cores ? n : cores
set samples 200
plot ideal(x) title "perfect balance on this machine" with lines dashtype 2 lc rgb "#999999", \
     datafile using 1:5 title "dynamic chunks" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#2a6fb0", \
     datafile using 1:4 title "static slices" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#b22222"
