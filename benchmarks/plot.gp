# Draws deltascand beside the HTTP floor under open-loop load: answered
# requests per second and p99 latency against the offered rate, from the load
# sweep that benchmarks/run measures. benchmarks/run calls it as
#   gnuplot -e "datafile='sweep.dat'; outfile='results.png'; subtitle='...'" \
#     benchmarks/plot.gp
# Columns of datafile: fraction of saturation, offered req/s, deltascand
# req/s, deltascand p99 ms, floor req/s, floor p99 ms, deltascand p50 ms,
# floor p50 ms.

if (!exists("datafile")) datafile = "sweep.dat"
if (!exists("outfile")) outfile = "results.png"
if (!exists("subtitle")) subtitle = ""

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 900,1000 font ",10"
} else {
  set terminal png size 900,1000
}
set output outfile

set multiplot layout 2,1 title "deltascand and the HTTP floor under open-loop load\n".subtitle
set grid
set key top left
set xlabel "offered load (requests/s, batches of 256 events)"

# One colour per server: deltascand red, the floor blue; p50 dashed.
daemon = "#c0392b"
floor = "#2471a3"

set ylabel "answered requests/s"
plot datafile using 2:2 with lines dashtype 2 linecolor "gray" \
       title "offered", \
     "" using 2:5 with linespoints pointtype 5 linecolor rgb floor \
       title "HTTP floor", \
     "" using 2:3 with linespoints pointtype 7 linecolor rgb daemon \
       title "deltascand"

set ylabel "latency (ms, log scale)"
set logscale y
plot datafile using 2:4 with linespoints pointtype 7 linecolor rgb daemon \
       title "deltascand p99", \
     "" using 2:7 with linespoints pointtype 6 dashtype 2 \
       linecolor rgb daemon title "deltascand p50", \
     "" using 2:6 with linespoints pointtype 5 linecolor rgb floor \
       title "HTTP floor p99", \
     "" using 2:8 with linespoints pointtype 4 dashtype 2 \
       linecolor rgb floor title "HTTP floor p50"

unset multiplot
