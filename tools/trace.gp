# trace.gp: one lane per task of a sampled run, coloured by state, time
# across; not a book figure (those live in plots/).  tools/trace.py sets
# datafile (lines "lane t0 t1 state", times in seconds, state 1 running,
# 2 waiting for a CPU, 3 asleep, 4 in I/O), names (lines 'lane "label"')
# and ntasks.
set xlabel 'time since the call (ms)'
set yrange [-0.7:ntasks-0.3] reverse
set ytics nomirror ("" -10)  # explicit labels only, added below
set grid xtics
set key outside top center horizontal
set style fill solid 1.0 noborder
do for [i=0:ntasks-1] {
    set ytics add (system(sprintf("awk '$1==%d {$1=\"\"; gsub(/\"/,\"\"); print}' %s", i, names)) i)
}
rgb(s) = s == 1 ? 0x2a9d3f : s == 2 ? 0xe9a23b : s == 3 ? 0xc9d3e0 : 0xb0413e
plot datafile using (500*($2+$3)):1:(500*($3-$2)):(0.35):(rgb($4)) \
         with boxxyerror lc rgb variable notitle, \
     keyentry with boxes lc rgb '#2a9d3f' title 'running', \
     keyentry with boxes lc rgb '#e9a23b' title 'waiting for a CPU', \
     keyentry with boxes lc rgb '#c9d3e0' title 'asleep', \
     keyentry with boxes lc rgb '#b0413e' title 'in I/O'
