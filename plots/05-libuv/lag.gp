# lag.gp: how long a ping waits for the loop, with the CPU-bound tasks run
# on the loop thread or on libuv's thread pool (bench_lag).
# make plots sets the terminal, the output and `datafile`.
set key top left box opaque
set xlabel "percentile of pings"
set ylabel "time from due to answered (ms)"
set logscale y
set format y "%g"
set grid
set xrange [1:100]
set xtics 10
plot datafile using 1:2 title "tasks on the loop thread" with lines lw 2 lc rgb "#b22222", \
     datafile using 1:3 title "tasks on the thread pool (uv\\_queue\\_work)" with lines lw 2 lc rgb "#1f5fa6"
