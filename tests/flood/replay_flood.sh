#!/usr/bin/env bash
# The flood through the program: make_flood writes the frames to a pcap, `tapstack replay` reads
# them under GNU time, and the peak RSS is printed — for the first 100 000 frames and for all of
# them, so flat memory shows as two equal figures.
#
#   tests/flood/replay_flood.sh [FRAMES]        default 1 000 000
#
# Binaries: $TAPSTACK and $MAKE_FLOOD (ctest sets them), else build/apps/tapstack and
# build/tests/flood/make_flood. The captures go to a temporary directory (about 340 MB for a
# million frames), removed at the end. Exit: 0, 1 when the peak RSS grows by more than
# MAX_GROWTH_KB (default 1024) or a step fails, 77 when /usr/bin/time is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
tapstack=${TAPSTACK:-$root/build/apps/tapstack}
make_flood=${MAKE_FLOOD:-$root/build/tests/flood/make_flood}
frames=${1:-1000000}
warm=100000
max_growth_kb=${MAX_GROWTH_KB:-1024}

[[ -x /usr/bin/time ]] || { echo "SKIP: /usr/bin/time not found (package time; scripts/setup.sh)" >&2; exit 77; }
for b in "$tapstack" "$make_flood"; do
  [[ -x $b ]] || { echo "replay_flood: $b not built (cmake --build --preset release)" >&2; exit 1; }
done
((frames > warm)) || { echo "replay_flood: FRAMES must be more than $warm" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Replays N frames; prints the replay's own summary and GNU time's figures; sets peak_kb.
replay() {
  local n=$1
  "$make_flood" "$tmp/flood-$n.pcap" "$n"
  /usr/bin/time -v -o "$tmp/time-$n" "$tapstack" replay --ip 10.0.0.2/16 "$tmp/flood-$n.pcap" "$tmp/replies-$n.pcap"
  peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time-$n")
  local elapsed
  elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time-$n")
  echo "replay_flood: $n frames: peak RSS $peak_kb kB, $elapsed elapsed; capture $(du -h "$tmp/flood-$n.pcap" | cut -f1), replies $(du -h "$tmp/replies-$n.pcap" | cut -f1)"
  rm -f "$tmp/flood-$n.pcap" "$tmp/replies-$n.pcap"
}

replay "$warm"
warm_kb=$peak_kb
replay "$frames"
growth=$((peak_kb - warm_kb))
echo "replay_flood: peak RSS $warm_kb kB after $warm frames, $peak_kb kB after $frames: growth $growth kB (bound $max_growth_kb kB)"
if ((growth > max_growth_kb)); then
  echo "replay_flood: FAILED: the peak RSS grew by $growth kB" >&2
  exit 1
fi
