# crossover.gp: where threads win and where the event loop wins (maps.c).
# Two heat maps over connections x server delay: wall time and peak
# memory of a thread per connection divided by chapter 4's loop.  Blue:
# threads did better; red: the loop did; white: even.  Each cell is
# labelled with its ratio.
set datafile missing "-"
set multiplot layout 1,2 title "A thread per connection ÷ the event loop (blue: threads better, red: loop better)"
xi(c) = c < 20 ? 0 : c < 50 ? 1 : c < 200 ? 2 : c < 500 ? 3 : c < 2000 ? 4 : c < 5000 ? 5 : 6
yi(d) = d < 0.5 ? 0 : d < 5 ? 1 : d < 50 ? 2 : d < 300 ? 3 : 4
set xtics ("10" 0, "30" 1, "100" 2, "300" 3, "1k" 4, "3k" 5, "10k" 6) scale 0
set ytics ("0.1" 0, "1" 1, "10" 2, "100" 3, "500" 4) scale 0
set xrange [-0.5:6.5]
set yrange [-0.5:4.5]
set xlabel "connections"
set palette defined (-3 "#2166ac", -1 "#92c5de", 0 "#f7f7f7", 1 "#f4a582", 3 "#b2182b")
set cbrange [-3:3]
unset colorbox
set style fill solid 1.0 noborder
lg(r) = log(r) / log(2)
box = "using (xi($1)):(yi($2)):(xi($1)-0.5):(xi($1)+0.5):(yi($2)-0.5):(yi($2)+0.5)"
set ylabel "server delay (ms)"
set title "wall time"
plot datafile @box:(lg($8)) with boxxyerror fc palette notitle, \
     datafile using (xi($1)):(yi($2)):(sprintf("%.2g", $8)) with labels font ",10" notitle
set ylabel ""
set title "peak memory"
plot datafile @box:(lg($9)) with boxxyerror fc palette notitle, \
     datafile using (xi($1)):(yi($2)):(sprintf("%.2g", $9)) with labels font ",10" notitle
unset multiplot
