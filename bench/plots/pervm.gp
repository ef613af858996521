# pervm.gp - bytes per VM vs VM count for tiny, hello, http: the kernel's, the guest's and the host's (QEMU RSS) view.
# gnuplot -e "dir='DIR'; out='PNG'" bench/plots/pervm.gp; DIR holds pervm-{tiny,hello,http}.dat: vms kernel guest host create_ns
load "bench/plots/common.gp"
set title "Memory per VM vs number of VMs"
set xlabel "VMs (log scale)"
set ylabel "bytes per VM (log scale)"
set logscale xy
plot for [img in "tiny hello http"] dir."/pervm-".img.".dat" using 1:2 with linespoints title img." kernel", \
     for [img in "tiny hello http"] dir."/pervm-".img.".dat" using 1:3 with linespoints dashtype 2 title img." guest", \
     for [img in "tiny hello http"] dir."/pervm-".img.".dat" using 1:($4 > 0 ? $4 : NaN) with linespoints dashtype 3 title img." host (QEMU RSS growth)"
