# baseline.gp - the project vs a forked Linux process: memory per instance and start rate, side by side bars.
# gnuplot -e "mem='FILE'; rate='FILE'; out='PNG'" bench/plots/baseline.gp; FILEs: "label" value (one bar a line)
load "bench/plots/common.gp"
set multiplot layout 1,2 title "Isolation kernel VM vs forked Linux process"
set style fill solid 0.6 border -1
set boxwidth 0.6
set key off
set xtics rotate by -30
set yrange [0:*]
set title "memory per instance"
set ylabel "KiB per instance"
plot mem using 0:($2 / 1024.0):xtic(1) with boxes
set title "start rate"
set ylabel "instances started per second (log scale)"
set logscale y
set yrange [1:*]
plot rate using 0:2:xtic(1) with boxes
unset multiplot
