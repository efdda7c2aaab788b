#!/usr/bin/env bash
# (g) --pcap records every frame in and out: tshark reads the file, both while run is live (the
# loop flushes) and after it exits, and finds each echo request with its reply, plus the ARP.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_need tshark tshark
live_setup "$@"

cap=$WORK/run.pcap
live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --pcap "$cap"
live_wait_host_ip 10.0.0.1 >/dev/null
live_ping 3 -c 3 -i 0.2 10.0.0.2

# "type seq" per ICMP packet, e.g. "8 1" for request 1 and "0 1" for its reply.
icmp_lines() { timeout 20 tshark -n -r "$cap" -Y icmp -T fields -e icmp.type -e icmp.seq 2>/dev/null | sort; }
expected=$'0\t1\n0\t2\n0\t3\n8\t1\n8\t2\n8\t3'

# While live: poll (bounded) until the flushed file shows all six.
for ((i = 0; i < 50; i++)); do
  [[ $(icmp_lines || true) == "$expected" ]] && break
  sleep 0.1
done
[[ $(icmp_lines || true) == "$expected" ]] || live_fail "live capture lacks the echoes: $(icmp_lines || true)"

live_stop_run
got=$(icmp_lines) || live_fail "tshark could not read $cap"
[[ $got == "$expected" ]] || live_fail "capture holds ICMP [$got], expected requests and replies 1..3"

link=$(timeout 20 tshark -n -r "$cap" -c 1 -T fields -e frame.protocols 2>/dev/null)
[[ $link == eth:* ]] || live_fail "TAP capture is not Ethernet: $link"
arp=$(timeout 20 tshark -n -r "$cap" -Y "arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.0.2" -T fields -e arp.src.hw_mac 2>/dev/null)
[[ ${arp,,} == *"$OUR_MAC"* ]] || live_fail "no ARP reply from 10.0.0.2 with $OUR_MAC in the capture"
printf '%s\n' "$(timeout 20 tshark -n -r "$cap" 2>/dev/null)"
live_pass "tshark reads 3 echo requests, 3 replies and our ARP reply"
