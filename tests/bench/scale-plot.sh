#!/usr/bin/env bash
# Runs scale-bench for each number of users and plots what it prints
# (`scale-data:` lines) against the number of users: RSS after a start,
# start time beside apparmor_parser compiling the same children, reload time
# and Explain throughput beside Peer.Ping (docs/PERFORMANCE.md).
#   tests/bench/scale-plot.sh SCALE_BENCH OUT.png [LAYERS [USERS...]]
#   defaults: 20 layers each, 10 20 30 40 50 users
# The bench's tables go to OUT.txt, the data to OUT.dat.
set -euo pipefail
bench=$1
out=$2
layers=${3:-20}
shift $(( $# > 2 ? 3 : 2 ))
users=("$@")
[ ${#users[@]} -gt 0 ] || users=(10 20 30 40 50)
data=${out%.png}.dat
tables=${out%.png}.txt
: > "$tables"
echo "# users layers rss_mib start_s reload_ms explain_per_s ping_per_s parser_s composing_start_s" > "$data"
for n in "${users[@]}"; do
  echo "scale-plot: $n users x $layers layers" >&2
  "$bench" "$n" "$layers" | tee -a "$tables" |
    awk '/^scale-data:/ { print $3, $5, $7, $9, $11, $13, $15, $17, $19 }' >> "$data"
done
[ "$(grep -vc '^#' "$data")" -eq ${#users[@]} ] || { echo "scale-plot: a run printed no data" >&2; exit 1; }
gnuplot <<PLOT
set terminal pngcairo size 1200,900 font ",10" noenhanced
set output "$out"
set multiplot layout 2,2 title "aalayerd, compile-only, $layers layers per user on Debian's Firefox profile"
set key top left
set grid
set xlabel "users"
set yrange [0:*]
set title "memory after a start"
plot "$data" using 1:3 with linespoints title "RSS (MiB)"
set title "start with every layer stored"
plot "$data" using 1:4 with linespoints title "aalayerd start (s)", \
     "$data" using 1:9 with linespoints title "aalayerd start without start records (s)", \
     "$data" using 1:8 with linespoints title "apparmor_parser, the children in one run (s)"
set title "reload with nothing changed"
plot "$data" using 1:5 with linespoints title "reload (ms)"
set title "Explain over D-Bus, 16 clients"
plot "$data" using 1:6 with linespoints title "Explain (/s)", \
     "$data" using 1:7 with linespoints title "Peer.Ping (/s)"
unset multiplot
PLOT
echo "scale-plot: wrote $out, $data and $tables" >&2
