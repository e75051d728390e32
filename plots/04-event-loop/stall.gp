# stall.gp: round-trip time of pings on 20 connections while one callback
# on the loop computes without yielding.
# make plots sets the terminal, the output and `datafile`.
set key top left box opaque
set xlabel "time one callback computes without yielding (ms)"
set ylabel "ping round trip (ms)"
set grid
set xrange [0:*]
set yrange [0:*]
plot x title "the callback's own duration" with lines dashtype 2 lc rgb "#999999", \
     datafile using 1:3 title "worst ping, any connection" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222", \
     datafile using 1:2 title "median ping" with linespoints pt 9 ps 1.2 lw 2 lc rgb "#2e8b57"
