#!/usr/bin/env bash
# run --io uring, and --io uring --busy-poll: ping answered through the io_uring loop, SIGUSR1's
# report counts the frames, SIGTERM stops it cleanly. (Skips where io_uring is disabled.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

if [[ -r /proc/sys/kernel/io_uring_disabled ]] && (($(cat /proc/sys/kernel/io_uring_disabled) == 2)); then
  live_skip "io_uring is disabled here (kernel.io_uring_disabled=2)"
fi

for extra in "" "--busy-poll 200"; do
  # shellcheck disable=SC2086 # $extra is two words or none
  live_start_run "uring${extra:+_busy}" --io uring $extra --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
  dev=$(live_wait_host_ip 10.0.0.1)
  live_ping 5 -c 5 -i 0.2 10.0.0.2
  live_ping 200 -c 200 -i 0 10.0.0.2
  live_stop_run
  log="$WORK/uring${extra:+_busy}.log"
  written=$(sed -En "s/^link $dev: .* ([0-9]+) written.*/\1/p" "$log")
  ((${written:-0} >= 205)) || live_fail "--io uring $extra: the report shows ${written:-no} frames written, not the 205 replies"
done
live_pass "--io uring (and with --busy-poll): 205/205 echo replies on $dev, each time"
