# many_threads.gp: thread per request, 10 to 10,000 requests in flight.
# make plots sets the terminal, the output and `datafile`.
set key top left box opaque
set xlabel "requests in flight (one thread each)"
set ylabel "time for the batch, in server delays"
set y2label "memory held by the threads (MiB)"
set logscale x 10
set grid
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
plot 1 title "ideal: one delay" with lines dashtype 2 lc rgb "#999999", \
     datafile using 1:4 title "time / delay" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#b22222", \
     datafile using 1:($5 + $6) axes x1y2 title "memory: user + kernel" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#6a9fd4"
