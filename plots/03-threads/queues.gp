# queues.gp: time per item from one producer thread to one consumer
# thread through three queues.  make plots sets the terminal, the output
# and `datafile`.
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.6
set key off
set xtics noenhanced
set ylabel "ns per item (lower is faster)"
set grid ytics
set yrange [0:*]
plot datafile using 2:xticlabels(stringcolumn(1)) lc rgb "#b22222"
