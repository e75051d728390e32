# io_threads.gp: N requests to the slow server on T threads, with and
# without a GIL, against N x delay / T.  make plots sets the terminal, the
# output and `datafile`.
set key bottom left box opaque
set xlabel "threads"
set ylabel "seconds for the whole batch"
set logscale xy 2
set grid
set format y "%g"
plot datafile using 1:2 title "N x delay / T" with lines dashtype 2 lw 2 lc rgb "#999999", \
     datafile using 1:3 title "threads" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222", \
     datafile using 1:5 title "GIL released around the request" with linespoints pt 6 ps 1.6 lw 1 lc rgb "#2e8b57", \
     datafile using 1:4 title "GIL held across the request" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#6a9fd4"
