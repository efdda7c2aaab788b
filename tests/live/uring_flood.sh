#!/usr/bin/env bash
# run --io uring under a flood (ping -f -l 32: up to 32 requests queued, so one io_uring_enter
# completes several of the link's reads in flight): no reply lost, the exit report's counters add
# up (every frame read was handed to the stack, every frame it emitted was written, nothing
# dropped), and frames keep their order through the several reads (the capture's requests, and
# its replies, in ping's sequence order). Bounded: 2 000 pings, within 10 s. (Skips where
# io_uring is disabled.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_need tshark tshark
live_setup "$@"

if [[ -r /proc/sys/kernel/io_uring_disabled ]] && (($(cat /proc/sys/kernel/io_uring_disabled) == 2)); then
  live_skip "io_uring is disabled here (kernel.io_uring_disabled=2)"
fi

readonly FLOOD=2000
cap=$WORK/flood.pcap
live_start_run flood --io uring --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --no-announce --pcap "$cap"
dev=$(live_wait_host_ip 10.0.0.1)
live_ping 3 -c 3 -i 0.1 10.0.0.2
# Not live_ping: its -w deadline makes ping keep sending until COUNT replies, past COUNT requests.
live_log "ping -f -l 32 -c $FLOOD"
out=$(timeout -s INT -k 2 10 ping -n -f -l 32 -c "$FLOOD" -W 2 -q 10.0.0.2 2>&1) || true
printf '%s\n' "$out"
read -r sent received < <(sed -En 's/^([0-9]+) packets transmitted, ([0-9]+) received.*/\1 \2/p' <<<"$out")
((${sent:-0} == FLOOD && ${received:-0} == FLOOD)) || live_fail "ping -f -l 32 -c $FLOOD: ${received:-no} replies to ${sent:-no} requests"
live_stop_run
log=$WORK/flood.log

# "link tap0: R frames read (B bytes), W written, D dropped (would block), E write errors"
read -r frames_read written dropped write_errors < <(
  sed -En "s/^link $dev: ([0-9]+) frames read \([0-9]+ bytes\), ([0-9]+) written, ([0-9]+) dropped \(would block\), ([0-9]+) write errors$/\1 \2 \3 \4/p" "$log")
[[ -n ${write_errors:-} ]] || live_fail "no link line for $dev in the exit report"
frames_in=$(live_counter "$log" frames_in)
frames_out=$(live_counter "$log" frames_out)
requests=$(live_counter "$log" icmp_echo_requests)
replies=$(live_counter "$log" icmp_echo_replies_sent)
live_log "read $frames_read, frames_in $frames_in; frames_out $frames_out, written $written, dropped $dropped, write errors $write_errors; echo requests $requests, replies $replies"
((requests == FLOOD + 3 && replies == FLOOD + 3)) ||
  live_fail "icmp_echo_requests $requests and icmp_echo_replies_sent $replies, expected $((FLOOD + 3)) each"
((frames_read == frames_in)) || live_fail "the link read $frames_read frames but handed $frames_in to the stack"
((dropped == 0 && write_errors == 0)) || live_fail "$dropped replies dropped (would block), $write_errors write errors"
((written == frames_out)) || live_fail "the stack emitted $frames_out frames but $written were written"

# Sequence numbers of the requests as the stack received them, and of its replies as it sent
# them, each in capture order: ping sends in order and the TAP queues in order, so any
# inversion was made by the reads.
seqs() { timeout 30 tshark -n -r "$cap" -Y "icmp.type == $1" -T fields -e icmp.seq 2>/dev/null; }
for type in 8 0; do
  out=$(seqs "$type") || live_fail "tshark could not read $cap"
  n=$(wc -l <<<"$out")
  ((n == FLOOD + 3)) || live_fail "the capture holds $n ICMP type $type messages, expected $((FLOOD + 3))"
  # The first three are the warm-up ping's, numbered from 1 again by the flood.
  inversion=$(awk 'NR > 4 && $1 <= prev {print prev " then " $1; exit} {prev = $1}' <<<"$out")
  [[ -z $inversion ]] || live_fail "ICMP type $type out of order in the capture: sequence $inversion"
done
live_pass "--io uring: $FLOOD/$FLOOD flood replies on $dev; $frames_read frames read = frames_in, $written written = frames_out, none dropped; requests and replies in sequence order"
