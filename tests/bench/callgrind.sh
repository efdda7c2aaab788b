#!/usr/bin/env bash
# Instructions per echo through `tapstack replay`, exact (callgrind counts every instruction, so
# a loaded machine changes nothing), against the floor: pcap_copy, libpcap copying the same
# frames unchanged. And the cost of a large neighbour cache: echoes with the cache holding
# NEIGHBOURS entries against one.
#
#   tests/bench/callgrind.sh            (configure with -DTAPSTACK_BENCH=ON and build first)
#
# Start-up (loading libraries, parsing options, opening files) and filling the cache cost the
# same in two runs that differ only in the number of echoes, so each figure is
#   (instructions with N2 echoes - instructions with N1 echoes) / (N2 - N1)
# which is the cost of one echo alone, start-up subtracted. Nothing is asserted; it prints.
#
# Environment: TAPSTACK, MAKE_ECHO_CAPTURE, PCAP_COPY (default: under build/), N1 (2000),
# N2 (12000), PAYLOAD (56), NEIGHBOURS (65536: replay is given --neigh-gc-thresh3 NEIGHBOURS so
# every one of them stays in its cache), PROFILE=1 also prints callgrind_annotate's top
# functions of the larger tapstack run.
set -euo pipefail

readonly SKIP=77
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACK=${TAPSTACK:-$ROOT/build/apps/tapstack}
MAKE_ECHO_CAPTURE=${MAKE_ECHO_CAPTURE:-$ROOT/build/tests/bench/make_echo_capture}
PCAP_COPY=${PCAP_COPY:-$ROOT/build/tests/bench/pcap_copy}
N1=${N1:-2000}
N2=${N2:-12000}
PAYLOAD=${PAYLOAD:-56}
NEIGHBOURS=${NEIGHBOURS:-65536}

command -v valgrind >/dev/null 2>&1 || { echo "SKIP callgrind: valgrind is not installed (apt-get install valgrind)"; exit "$SKIP"; }
for p in "$TAPSTACK" "$MAKE_ECHO_CAPTURE" "$PCAP_COPY"; do
  [[ -x $p ]] || { echo "callgrind: $p is missing: configure with -DTAPSTACK_BENCH=ON and build" >&2; exit 1; }
done
[[ $N1 =~ ^[0-9]+$ && $N2 =~ ^[0-9]+$ ]] && ((N1 >= 1 && N2 > N1 && N2 <= 1000000)) ||
  { echo "callgrind: need 1 <= N1 < N2 <= 1000000" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapstack-callgrind.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# instructions NAME CMD...: runs CMD under callgrind (bounded: 10 minutes) and prints its total.
instructions() {
  local name=$1 out
  shift
  out=$WORK/$name.callgrind
  timeout -k 5 600 valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$out" "$@" \
    >"$WORK/$name.log" 2>&1 || { echo "callgrind: $name failed:" >&2; tail -n 5 "$WORK/$name.log" >&2; exit 1; }
  awk '/^(summary|totals):/ {print $2; exit}' "$out"
}

# per_echo NAME NEIGHBOURS CMD-PREFIX: instructions per echo of CMD-PREFIX IN.pcap OUT.pcap.
per_echo() {
  local name=$1 neighbours=$2 a b
  shift 2
  "$MAKE_ECHO_CAPTURE" "$WORK/n1-$neighbours.pcap" "$N1" "$PAYLOAD" "$neighbours"
  "$MAKE_ECHO_CAPTURE" "$WORK/n2-$neighbours.pcap" "$N2" "$PAYLOAD" "$neighbours"
  a=$(instructions "$name-n1" "$@" "$WORK/n1-$neighbours.pcap" "$WORK/out1.pcap")
  b=$(instructions "$name-n2" "$@" "$WORK/n2-$neighbours.pcap" "$WORK/out2.pcap")
  awk -v a="$a" -v b="$b" -v n="$((N2 - N1))" 'BEGIN {printf "%.0f", (b - a) / n}'
}

replay=("$TAPSTACK" replay --ip 10.0.0.2/15)
floor=$(per_echo copy 1 "$PCAP_COPY")
ours=$(per_echo replay 1 "${replay[@]}")
cmp -s "$WORK/out2.pcap" /dev/null && { echo "callgrind: replay wrote nothing" >&2; exit 1; }
many=$(per_echo replay-many "$NEIGHBOURS" "${replay[@]}" --neigh-gc-thresh3 "$NEIGHBOURS")

printf 'instructions per %s-byte echo (callgrind; (I(%s echoes) - I(%s echoes)) / %s, start-up subtracted)\n' \
  "$PAYLOAD" "$N2" "$N1" "$((N2 - N1))"
printf '  %-44s %8s\n' "pcap_copy (libpcap, frames copied unchanged)" "$floor"
printf '  %-44s %8s   %s x the copy   (target <= 1.40)\n' "tapstack replay, 1 neighbour" "$ours" \
  "$(awk -v a="$ours" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')"
printf '  %-44s %8s   %s x 1 neighbour (target <= 1.10)\n' "tapstack replay, $NEIGHBOURS neighbours" "$many" \
  "$(awk -v a="$many" -v b="$ours" 'BEGIN {printf "%.2f", a / b}')"

if [[ -n ${PROFILE:-} ]]; then
  echo
  callgrind_annotate --inclusive=no "$WORK/replay-n2.callgrind" 2>/dev/null | sed -n '1,/^$/d; 1,45p'
fi
