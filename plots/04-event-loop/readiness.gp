# readiness.gp: microseconds per wait against idle descriptors, log-log.
# make plots sets the terminal, the output and `datafile`.
set datafile missing "-"
set key top left box opaque
set xlabel "idle descriptors (plus one ready)"
set ylabel "microseconds per wait"
set logscale xy
set grid
set format y "%g"
plot datafile using 1:2 title "select (stops at FD\\_SETSIZE)" with linespoints pt 5 ps 1.1 lw 2 lc rgb "#6a9fd4", \
     datafile using 1:3 title "poll" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222", \
     datafile using 1:4 title "epoll" with linespoints pt 9 ps 1.2 lw 2 lc rgb "#2e8b57"
