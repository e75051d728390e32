# lanes.gp: a static and a dynamic split of the prime count, traced: one
# lane per worker process, coloured by what it was doing (bench_lanes).
# Drawn by the same code as `make trace` (tools/trace.gp); make plots
# sets the terminal, the output and `datafile`.
ntasks = system("grep -c '^# lane ' " . datafile) + 0
load 'tools/trace.gp'
