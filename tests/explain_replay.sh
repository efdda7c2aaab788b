#!/usr/bin/env bash
# `replay --explain` end to end, without privileges (issue 9's done-when): on the malformed
# fixture every frame gets exactly one line with a fate, and the echo request with a broken IPv4
# header checksum is dropped with its reason and RFCs.
#   explain_replay.sh PATH_TO_TAPSTACK FIXTURE_DIR
set -euo pipefail
T=${1:?usage: $0 PATH_TO_TAPSTACK FIXTURE_DIR}
fixtures=${2:?usage: $0 PATH_TO_TAPSTACK FIXTURE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL explain_replay: $*" >&2; exit 1; }

"$T" replay --ip 10.0.0.2/24 --explain "$fixtures/malformed.pcap" "$work/out.pcap" >"$work/explained.txt"
frames=$(sed -n 's/^replay: frames in \([0-9]*\),.*/\1/p' "$work/explained.txt")
lines=$(grep -c ' → \(answered\|dropped\|held\|consumed\|ignored\)' "$work/explained.txt" || true)
[[ -n $frames && $lines == "$frames" ]] || fail "$frames frames in, $lines explained lines"
grep -q '\[bad IP checksum\] → dropped: IPv4 header checksum wrong (RFC 791 §3.1, RFC 1071)$' "$work/explained.txt" ||
  fail "no line for the echo with a broken IPv4 header checksum: $(grep -i checksum "$work/explained.txt")"
# --explain changes no byte on the wire: the same capture as without it.
"$T" replay --ip 10.0.0.2/24 "$fixtures/malformed.pcap" "$work/plain.pcap" >/dev/null
cmp -s "$work/out.pcap" "$work/plain.pcap" || fail "--explain changed what replay wrote"
echo "PASS explain_replay: $lines of $frames frames explained; the bad IPv4 checksum names RFC 791 §3.1 and RFC 1071"
