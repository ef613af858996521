# sched.gp - scheduler cost per quantum vs idle VMs, with the +-10% band around the 1-VM (smallest count) value.
# gnuplot -e "dat='FILE'; base=CYCLES; out='PNG'" bench/plots/sched.gp; FILE: idle_vms cycles_median ns_median
load "bench/plots/common.gp"
set title "Scheduler cost per quantum vs idle VMs (median of the kernel's passes; band: +-10% of the smallest count)"
set xlabel "idle VMs (log scale)"
set ylabel "TSC cycles per scheduler pass"
set logscale x
set yrange [0:*]
plot dat using 1:(base * 0.9):(base * 1.1) with filledcurves fillstyle transparent solid 0.2 title "+-10% band", \
     dat using 1:2 with linespoints lw 2 title "median cycles per pass"
