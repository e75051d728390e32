# false_sharing.gp: two threads incrementing their own counters, against
# the distance between the counters.  make plots sets the terminal, the
# output and `datafile`.
set key top right box opaque
set xlabel "distance between the two counters (bytes)"
set ylabel "time per increment, relative to one thread alone"
set logscale x 2
set grid
set yrange [0:*]
set arrow from 64, graph 0 to 64, graph 1 nohead dashtype 2 lc rgb "#999999"
set label "one cache line (64 bytes)" at 70, graph 0.5 left textcolor rgb "#666666"
plot 1 title "one thread alone" with lines dashtype 2 lc rgb "#6a9fd4", \
     datafile using 1:3 title "two threads, measured" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222"
