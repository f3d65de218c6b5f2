# SPDX-License-Identifier: GPL-2.0
#
# The chart of make bench (tests/bench/run.sh --chart): gnuplot -e
# "datafile='chart.dat'; outfile='chart.svg'" chart.gp. chart.dat is
# misc-bench report's (tests/bench/report_md.rs): one line per operation,
# "label" rust_ns c_ns floor_ns rust_over_c ci_lo ci_hi rerun_lo rerun_hi.
#
# Top: median ns/op of each side (log scale). Bottom: Rust/C with its 95%
# confidence interval, its re-run interval beside it (grey), and the goal's
# limit 1/0.98.

set terminal svg size 1000,760 dynamic enhanced font "sans,11" background "white"
set output outfile
set datafile missing "NaN"
# Operations: x = 0 .. n-1 in both plots, so that they line up.
stats datafile using 0 nooutput
n = STATS_records
set xrange [-0.6:n - 0.4]
set bmargin 5
set rmargin 9
set multiplot layout 2,1 title "rust\\_misc vs c\\_misc vs the kernel's floor (QEMU TCG: compare within this run only)"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set ylabel "median ns/op (log)"
set xtics rotate by -30 scale 0 font ",10" noenhanced
set grid ytics
set key top left
plot datafile using 2:xtic(1) title "Rust (rust\\_misc)" linecolor rgb "#b7410e", \
     '' using 3 title "C (c\\_misc)" linecolor rgb "#1f5fa8", \
     '' using 4 title "floor" linecolor rgb "#9a9a9a"

unset logscale y
set style data points
set ylabel "Rust/C time ratio"
set key top left
set yrange [*:*]
goal = 1.0 / 0.98
plot datafile using ($0 + 0.2):5:8:9 with yerrorbars pointtype 1 linecolor rgb "#8a8a8a" \
         title "where another run's Rust/C should fall (joint 95%)", \
     datafile using 0:5:6:7:xtic(1) with yerrorbars pointtype 7 linecolor rgb "#b7410e" title "Rust/C, 95% CI", \
     1 with lines dashtype 2 linecolor rgb "#555555" title "equal", \
     goal with lines dashtype 3 linecolor rgb "#cc0000" title "goal limit (1/0.98)"
unset multiplot
