#!/usr/bin/env bash
# Regenerates the fixtures of pcap-fixtures/ from real traffic and from craft_fixtures:
#
#  1. records Linux's own ping and arping (iputils) talking to a real Linux kernel, inside two
#     network namespaces this script creates and deletes, joined by a veth pair:
#        client  10.0.0.1/24  02:00:0a:00:00:01  (veth-c, where tcpdump records)
#        host    10.0.0.2/24  02:00:0a:00:00:02  (veth-h; done-when uses 02:00:00:00:00:02)
#     NAME.pcap keeps the frames the client sent (the replay input), NAME.kernel.pcap the
#     frames the host kernel sent back (the reference tapstack is compared with);
#  2. writes the crafted fixtures (craft_fixtures write) and injects the Ethernet ones into a
#     fresh pair of namespaces, so their NAME.kernel.pcap records what Linux answers to them;
#  3. runs make-expected.sh, which makes NAME.expected.pcap with tapstack replay.
#
# Usage: sudo pcap-fixtures/regenerate.sh [--no-live] [--no-expected] [BUILD_DIR]
#   BUILD_DIR   a configured and built tree (default: build), holding
#               pcap-fixtures/craft_fixtures and apps/tapstack
#   --no-live   skip the namespaces (steps 1 and the injection of 2): no root needed
#   --no-expected  stop before step 3
#   KEEP_WORK=1 in the environment keeps the raw recordings (a temporary directory) for a look
# Needs root (namespaces, tcpdump), iproute2, tcpdump, iputils-ping, iputils-arping, tshark
# (editcap). Live traffic never leaves the two namespaces; every command is bounded by a
# count and a timeout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
live=1
expected=1
build=$here/../build
for arg in "$@"; do
  case $arg in
    --no-live) live=0 ;;
    --no-expected) expected=0 ;;
    -h | --help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "regenerate: unknown option $arg" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
build=$(cd "$build" && pwd)
craft=$build/pcap-fixtures/craft_fixtures
[[ -x $craft ]] || { echo "regenerate: $craft not built (cmake --build $build)" >&2; exit 1; }

CLIENT_MAC=02:00:0a:00:00:01
HOST_MAC=02:00:0a:00:00:02
DONE_WHEN_MAC=02:00:00:00:00:02   # the issue's done-when command uses this MAC
PATTERN=746170737461636b          # ping -p: "tapstack", repeated after ping's timestamp

NS_C=tsfx-client-$$
NS_H=tsfx-host-$$
work=$(mktemp -d)
tcpdump_pid=

cleanup() {
  if [[ -n $tcpdump_pid ]]; then
    kill "$tcpdump_pid" 2>/dev/null || true
    wait "$tcpdump_pid" 2>/dev/null || true
  fi
  ip netns del "$NS_C" 2>/dev/null || true
  ip netns del "$NS_H" 2>/dev/null || true
  if [[ -n ${KEEP_WORK:-} ]]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two namespaces joined by a veth pair; the host end gets host_mac.
ns_up() {
  local host_mac=$1 ns
  ip netns add "$NS_C"
  ip netns add "$NS_H"
  for ns in "$NS_C" "$NS_H"; do
    # No IPv6: router solicitations, MLD reports and DAD would otherwise join the capture.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$NS_C" link add veth-c address "$CLIENT_MAC" type veth peer name veth-h netns "$NS_H" address "$host_mac"
  ip -n "$NS_C" addr add 10.0.0.1/24 dev veth-c
  ip -n "$NS_H" addr add 10.0.0.2/24 dev veth-h
  ip -n "$NS_C" link set veth-c up
  ip -n "$NS_H" link set veth-h up
}

ns_down() {
  ip netns del "$NS_C"
  ip netns del "$NS_H"
}

capture_start() {
  local file=$1 log=$work/tcpdump.log i
  : >"$log"
  ip netns exec "$NS_C" timeout 60 tcpdump -Z root -i veth-c -n -U --immediate-mode -s 0 --time-stamp-precision=micro -w "$file" >"$log" 2>&1 &
  tcpdump_pid=$!
  for ((i = 0; i < 50; i++)); do
    grep -q "listening on" "$log" && return 0
    sleep 0.1
  done
  echo "regenerate: tcpdump did not start:" >&2
  cat "$log" >&2
  exit 1
}

capture_stop() {
  sleep 0.5 # answers still in flight
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  tcpdump_pid=
}

# Splits the recording into what the client sent (the input) and what the host answered.
split_capture() {
  local all=$1 name=$2 host_mac=$3 others
  tcpdump -Z root -r "$all" -w "$here/$name.pcap" "ether src $CLIENT_MAC and (arp or ip)" 2>/dev/null
  tcpdump -Z root -r "$all" -w "$here/$name.kernel.pcap" "ether src $host_mac and (arp or ip)" 2>/dev/null
  others=$(tcpdump -Z root -r "$all" -n "not ((ether src $CLIENT_MAC or ether src $host_mac) and (arp or ip))" 2>/dev/null | wc -l)
  printf '  %-16s input %3s frames, kernel answers %3s frames' "$name" \
    "$(count "$here/$name.pcap")" "$(count "$here/$name.kernel.pcap")"
  ((others == 0)) && echo || echo ", $others other frames left out"
}

count() { tcpdump -Z root -r "$1" 2>/dev/null | wc -l; }

# record NAME HOST_MAC CMD...: runs CMD in the client namespace while tcpdump records veth-c.
record() {
  local name=$1 host_mac=$2 all=$work/$1.all.pcap
  shift 2
  ns_up "$host_mac"
  capture_start "$all"
  ip netns exec "$NS_C" "$@" >"$work/$name.log" 2>&1 || echo "  ($name: '$*' exited $?, as expected when nothing answers)"
  capture_stop
  ns_down
  split_capture "$all" "$name" "$host_mac"
}

# inject NAME: plays NAME.pcap into the client end and records the host kernel's answers.
inject() {
  local name=$1 all=$work/$1.all.pcap
  ns_up "$HOST_MAC"
  capture_start "$all"
  ip netns exec "$NS_C" timeout 60 "$craft" inject veth-c "$here/$name.pcap" >"$work/$name.log"
  capture_stop
  ns_down
  # The input is the crafted file itself; keep only the kernel's side of the recording.
  tcpdump -Z root -r "$all" -w "$here/$name.kernel.pcap" "ether src $HOST_MAC" 2>/dev/null
  printf '  %-16s injected: %s; kernel answers %s frames\n' "$name" \
    "$(tail -1 "$work/$name.log" | cut -d' ' -f2-4)" "$(count "$here/$name.kernel.pcap")"
}

if ((live)); then
  [[ $(id -u) -eq 0 ]] || { echo "regenerate: live captures need root (or use --no-live)" >&2; exit 1; }
  echo "== live captures (namespaces $NS_C, $NS_H)"
  # An ARP exchange (the client's cache is empty), then three echo requests.
  record ping-basic "$HOST_MAC" timeout 10 ping -n -c 3 -i 0.2 -W 1 -e 4660 -p "$PATTERN" 10.0.0.2
  # arping broadcasts its first request, then unicasts to the MAC that answered.
  record arping "$HOST_MAC" timeout 10 arping -c 3 -I veth-c 10.0.0.2
  # 1472 data bytes: a 1500-byte datagram, the largest that fits the MTU unfragmented (DF set).
  record ping-large "$HOST_MAC" timeout 10 ping -n -c 2 -i 0.2 -W 1 -s 1472 -M "do" -e 4661 -p "$PATTERN" 10.0.0.2
  # The issue's done-when: an ARP request and three echo requests for 10.0.0.2 at 02:00:00:00:00:02.
  record done-when "$DONE_WHEN_MAC" timeout 10 ping -n -c 3 -i 0.2 -W 1 -e 4662 -p "$PATTERN" 10.0.0.2
  # IP options: Record Route (IHL 15); Linux echoes the option with its address recorded.
  record ping-rr "$HOST_MAC" timeout 10 ping -n -c 2 -i 0.2 -W 1 -R -e 4663 -p "$PATTERN" 10.0.0.2
  # Echo to the subnet broadcast: Linux ignores it (icmp_echo_ignore_broadcasts=1).
  record ping-broadcast "$HOST_MAC" timeout 10 ping -n -b -c 2 -i 0.2 -W 1 -e 4664 -p "$PATTERN" 10.0.0.255
  # The same frames as ping-basic, in pcapng: replay must read both formats alike.
  editcap -F pcapng "$here/ping-basic.pcap" "$here/ping-basic.pcapng"
fi

echo "== crafted fixtures"
"$craft" write "$here" | sed 's/^/  /'

if ((live)); then
  echo "== kernel answers to the crafted Ethernet fixtures"
  inject malformed
  inject arp-resolve
fi

if ((expected)); then
  echo "== expected outputs"
  "$here/make-expected.sh" "$build/apps/tapstack"
fi
