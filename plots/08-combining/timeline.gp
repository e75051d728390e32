# timeline.gp: one run of the pipeline (bench_timeline): each connection's
# fetches and each worker's counts, as bars along time.  Neighbouring
# bars on a lane alternate between a light and a dark shade.
# make plots sets the terminal, the output and `datafile`.
stats datafile using 1 nooutput
lanes = int(STATS_max) + 1
stats datafile using ($2 == 0 ? $1 : 1/0) nooutput
conns = int(STATS_max) + 1
tics = ""
do for [k = 0:lanes - 1] {
    lbl = k < conns ? sprintf("conn %d", k + 1) : sprintf("worker %d", k - conns + 1)
    tics = tics . sprintf("'%s' %d", lbl, k) . (k < lanes - 1 ? ", " : "")
}
eval "set ytics (" . tics . ") scale 0"
set yrange [lanes - 0.4:-0.6]
set xlabel "time since the start (s)"
set grid xtics
set key outside top center horizontal
set xrange [0:*]
bar(kind, odd) = ($2 == kind && int(kind ? $5 : $5 / conns) % 2 == odd) ? $3 : 1/0
plot datafile using (bar(0, 0)):1:($4 - $3):(0) with vectors nohead lw 10 lc rgb "#9cc3ea" title "fetch (waiting for the slow server)", \
     datafile using (bar(0, 1)):1:($4 - $3):(0) with vectors nohead lw 10 lc rgb "#3f7fc0" notitle, \
     datafile using (bar(1, 0)):1:($4 - $3):(0) with vectors nohead lw 10 lc rgb "#f0a060" title "count (CPU)", \
     datafile using (bar(1, 1)):1:($4 - $3):(0) with vectors nohead lw 10 lc rgb "#b85010" notitle
