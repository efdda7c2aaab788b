#!/usr/bin/env bash
# Turns the tables live_bench.sh printed into docs/performance's figure: one panel each for
# flood replies/s and CPU µs per reply (56-byte pings) and the round trip with one request in
# flight, per responder, as bars. gnuplot (scripts/setup.sh --with-bench) draws the SVG.
#
#   tests/bench/plot_live.sh BENCH_OUTPUT [OUT.svg]     (default docs/performance-live.svg)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
in=${1:?usage: $0 BENCH_OUTPUT [OUT.svg]}
out=${2:-$ROOT/docs/performance-live.svg}
command -v gnuplot >/dev/null 2>&1 || { echo "plot_live: gnuplot is not installed (scripts/setup.sh --with-bench)" >&2; exit 1; }
[[ -r $in ]] || { echo "plot_live: cannot read $in" >&2; exit 1; }
data=$(mktemp)
trap 'rm -f "$data"' EXIT
# responder replies/s cpu_us rtt_us load, from the 56-byte rows of the flood and round-trip tables.
awk '
  /^flood/ { part = "flood"; next }
  /^round trip/ { part = "rtt"; next }
  part == "flood" && $2 == "56" && $3 ~ /^[0-9.]+$/ { rate[$1] = $3; cpu[$1] = $6; load[$1] = $8; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  part == "rtt" && $2 == "56" && $3 ~ /^[0-9.]+$/ { rtt[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END { for (i = 1; i <= n; i++) { w = order[i]; printf "%s %s %s %s %s\n", w, (w in rate) ? rate[w] : "NaN", \
        (w in cpu && cpu[w] != "-") ? cpu[w] : "NaN", (w in rtt) ? rtt[w] : "NaN", (w in load) ? load[w] : "NaN" } }' "$in" >"$data"
[[ -s $data ]] || { echo "plot_live: no tables found in $in (the output of live_bench.sh)" >&2; exit 1; }
load=$(awk '$5 != "NaN" {print $5; exit}' "$data")
gnuplot <<GP
set terminal svg size 960,360 dynamic font "sans,11"
set output "$out"
set multiplot layout 1,3 title "tapstack over a TAP, ping -f, 56-byte payload (2 shared CPUs, load average ${load}; medians of rounds)" noenhanced
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -30 nomirror
set grid ytics
unset key
set yrange [0:*]
set title "flood: replies/s (more is better)"
plot "$data" using 2:xtic(1) lc rgb "#4477aa"
set title "CPU µs per reply (less is better)"
plot "$data" using 3:xtic(1) lc rgb "#ee6677"
set title "round trip, one in flight, µs (less is better)"
plot "$data" using 4:xtic(1) lc rgb "#228833"
unset multiplot
GP
echo "plot_live: wrote $out"
