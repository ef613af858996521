# delivery.gp - batched vs immediate frame delivery: UDP echo throughput and p99 vs number of VMs (bench-net).
# gnuplot -e "dat='FILE'; out='PNG'" bench/plots/delivery.gp; FILE: vms batched_tput immediate_tput batched_p99 immediate_p99
load "bench/plots/common.gp"
set title "Batched vs immediate delivery (UDP echo, load spread over the VMs)"
set xlabel "VMs (log scale)"
set ylabel "echoes per second"
set y2label "p99 latency (ms)"
set logscale x
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
plot dat using 1:2 with linespoints lw 2 title "batched, echoes/s", \
     dat using 1:3 with linespoints lw 2 title "immediate, echoes/s", \
     dat using 1:($4 / 1000.0) axes x1y2 with linespoints dashtype 2 title "batched p99 (ms)", \
     dat using 1:($5 / 1000.0) axes x1y2 with linespoints dashtype 2 title "immediate p99 (ms)"
