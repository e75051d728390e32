# c10k.gp: N concurrent requests to the slow server, one thread on the
# event loop against one thread per request: time (left), memory (right).
# make plots sets the terminal, the output and `datafile`.
set multiplot layout 1,2
set grid
set key top left box opaque
set xlabel "concurrent requests"
set xtics 2500
set format x "%g"
set yrange [0:*]
set ylabel "seconds for all of them"
# Rows are "N_loop" (index 0) and "N_threads" (index 1); gnuplot
# reads the number at the start of the first field as N.
plot datafile index 0 using 1:2 title "event loop" with linespoints pt 7 ps 1.1 lw 2 lc rgb "#2e8b57", \
     datafile index 1 using 1:2 title "threads" with linespoints pt 5 ps 1.1 lw 2 lc rgb "#b22222"
set ylabel "peak resident memory (MB)"
plot datafile index 0 using 1:4 title "event loop" with linespoints pt 7 ps 1.1 lw 2 lc rgb "#2e8b57", \
     datafile index 1 using 1:4 title "threads" with linespoints pt 5 ps 1.1 lw 2 lc rgb "#b22222"
unset multiplot
