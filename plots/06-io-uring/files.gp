# files.gp: wall time to open, read and close 2,000 small files, by method,
# with a warm and a cold page cache (bench_files).
# make plots sets the terminal, the output and `datafile`.
set key top left box opaque
set ylabel "wall time for all files (ms)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set xtics nomirror
plot datafile using 2:xtic(1) title "warm cache" lc rgb "#e8a33d", \
     datafile using 5 title "cold cache (posix\\_fadvise DONTNEED)" lc rgb "#1f5fa6"
