# echo.gp: system calls per request of the measured program: the client
# of the slow server (slow-*) and the echo server under 1,000 clients
# (echo-*), on chapter 4's loop, libuv and io_uring (bench_echo).
# make plots sets the terminal, the output and `datafile`.
set key off
set ylabel "system calls per request"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set yrange [0:*]
set xtics nomirror rotate by -30
plot datafile using 7:xtic(1) lc rgb "#2e8b57"
