#!/usr/bin/env bash
# Issue 14: `replay` answers a neighbour solicitation and an ICMPv6 echo request with a valid
# neighbour advertisement and echo reply (ipv6_replay.py writes the capture and checks the
# answers; tshark, when installed, shows them too). No privileges, no network.
#
#   ipv6_replay.sh PATH_TO_TAPSTACK
set -euo pipefail
T=${1:?usage: $0 PATH_TO_TAPSTACK}
here=$(dirname "${BASH_SOURCE[0]}")
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed (scripts/setup.sh installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 "$here/ipv6_replay.py" write "$work/in.pcap"
timeout -k 2 20 "$T" replay --ip 10.0.0.2/24 --ip fd00::2/64 --no-dad "$work/in.pcap" "$work/out.pcap" ||
  { echo "FAIL: tapstack replay exited $?"; exit 1; }
if command -v tshark >/dev/null; then
  timeout -k 2 20 tshark -n -r "$work/out.pcap" 2>/dev/null || true
fi
python3 "$here/ipv6_replay.py" check "$work/out.pcap"
echo "PASS: an NS and an echo request in, a valid NA and echo reply out"
