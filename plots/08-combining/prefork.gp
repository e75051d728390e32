# prefork.gp: requests per second against the number of prefork processes,
# one shared listening socket or a socket each with SO_REUSEPORT
# (bench_prefork).
# make plots sets the terminal, the output and `datafile`.
set key bottom right box opaque
set xlabel "processes, each with its own event loop"
set ylabel "requests per second (3 in 4 heavy)"
set grid
set xrange [0.5:*]
set yrange [0:*]
set xtics 1
plot datafile using 1:2 title "one shared listening socket" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#1f5fa6", \
     datafile using 1:3 title "a socket per process (SO\\_REUSEPORT)" with linespoints pt 5 ps 1.2 lw 2 lc rgb "#d4702a"
