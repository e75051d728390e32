# echo.gp: the echo servers' system calls per round trip, under chapter 5's
# load of 1,000 clients (bench_echo).
# make plots sets the terminal, the output and `datafile`.
set key off
set ylabel "server system calls per request"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set yrange [0:*]
set xtics nomirror
plot datafile using 7:xtic(1) lc rgb "#2e8b57"
