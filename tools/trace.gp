# trace.gp: one lane per task of a sampled run, coloured by state, time
# across.  tools/trace.py uses it for `make trace`, and book figures load
# it (plots/02-processes/lanes.gp), so both are drawn alike.  The caller
# sets datafile and ntasks.  In datafile, comment lines "# lane N label"
# name the lanes; data lines are "key lane t0 t1 state ...": key names
# the row (for the book's data spans), lane is 0 at the top, times in
# seconds, state 1 running, 2 waiting for a CPU, 3 asleep, 4 in I/O,
# 5 in a blocking MPI call (MPI traces only);
# later columns are not drawn.
set xlabel 'time since the call (ms)'
set yrange [ntasks-0.3:-0.7]  # lane 0 at the top
set ytics nomirror ("" -10)  # explicit labels only, added below
set grid xtics
set key outside top center horizontal
set style fill solid 1.0 noborder
do for [i=0:ntasks-1] {
    set ytics add (system(sprintf("sed -n 's/^# lane %d //p' %s", i, datafile)) i)
}
rgb(s) = s == 1 ? 0x2a9d3f : s == 2 ? 0xe9a23b : s == 3 ? 0xc9d3e0 : s == 4 ? 0xb0413e : 0x5b6abf
mpi = system(sprintf("awk '!/^#/ && $5 == 5' %s | wc -l", datafile)) + 0
plot datafile using (500*($3+$4)):2:(500*($4-$3)):(0.35):(rgb($5)) \
         with boxxyerror lc rgb variable notitle, \
     keyentry with boxes lc rgb '#2a9d3f' title 'running', \
     keyentry with boxes lc rgb '#e9a23b' title 'waiting for a CPU', \
     keyentry with boxes lc rgb '#c9d3e0' title 'asleep', \
     keyentry with boxes lc rgb '#b0413e' title 'in I/O', \
     keyentry with boxes lc rgb '#5b6abf' title (mpi > 0 ? 'in a blocking MPI call' : '')
