# web.gp - Denali's web figure: HTTP requests/s (64-byte body, Zipf 1.0, closed loop) vs number of http VMs, p99 on y2.
# gnuplot -e "dat='FILE'; out='PNG'" bench/plots/web.gp; FILE: vms throughput p50_us p99_us vms_answered
load "bench/plots/common.gp"
set title "Web throughput vs number of VMs (Zipf 1.0 popularity, 64-byte body)"
set xlabel "http VMs (log scale)"
set ylabel "requests per second"
set y2label "latency (ms)"
set logscale x
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
plot dat using 1:2 with linespoints lw 2 title "requests/s", \
     dat using 1:($3 / 1000.0) axes x1y2 with linespoints dashtype 2 title "p50 (ms)", \
     dat using 1:($4 / 1000.0) axes x1y2 with linespoints dashtype 3 title "p99 (ms)"
