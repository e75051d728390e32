# backpressure.gp: items waiting in or running on the pool, sampled every
# 10 ms, with no bound and with a bound of 16 (bench_backpressure).
# make plots sets the terminal, the output and `datafile`.
set key top right box opaque
set xlabel "time since the start (s)"
set ylabel "items in the pool"
set grid
set xrange [0:*]
set yrange [0:*]
set offsets 0, 0, graph 0.2, 0
plot datafile using 1:2 title "no bound: the queue takes everything fetched" with lines lw 2 lc rgb "#b22222", \
     datafile using 1:4 title "bound of 16: the loop stops fetching" with lines lw 2 lc rgb "#1f5fa6"
