# create.gp - creation time per VM vs VM count for tiny, hello, http (the kernel's creation loop, TSC time).
# gnuplot -e "dir='DIR'; out='PNG'" bench/plots/create.gp; DIR holds pervm-{tiny,hello,http}.dat: vms kernel guest host create_ns
load "bench/plots/common.gp"
set title "Creation time per VM vs number of VMs"
set xlabel "VMs (log scale)"
set ylabel "creation time per VM (microseconds, log scale)"
set logscale xy
plot for [img in "tiny hello http"] dir."/pervm-".img.".dat" using 1:($5 / 1000.0) with linespoints title img
