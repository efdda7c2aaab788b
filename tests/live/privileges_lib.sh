# Shared by the live tests of `run --user` and the seccomp filter (tap/privileges.hpp): sourced
# after lib.sh, never run.

# priv_need_nobody: SKIP unless there is a user nobody (uid 65534 on Debian) with a group.
priv_need_nobody() {
  getent passwd nobody >/dev/null || live_skip "no user nobody on this system"
  NOBODY_UID=$(id -u nobody)
}

# priv_wait_log LOG PATTERN [SECONDS]: waits (polling, bounded, default 15 s) until LOG has a
# line matching PATTERN (grep -E), failing early if $RUN_PID has exited.
priv_wait_log() {
  local log=$1 pattern=$2 bound=${3:-15} deadline
  deadline=$(($(date +%s%N) + bound * 1000000000))
  while (($(date +%s%N) < deadline)); do
    grep -qE -- "$pattern" "$log" 2>/dev/null && return 0
    if [[ -n $RUN_PID ]] && ! kill -0 "$RUN_PID" 2>/dev/null; then
      live_fail "tapstack exited before its log said /$pattern/"
    fi
    sleep 0.05
  done
  live_fail "no /$pattern/ in $(basename "$log") within ${bound}s"
}

# priv_status PID FIELD: the first value of FIELD in /proc/PID/status (Uid: real uid, ...).
priv_status() {
  awk -v f="$2:" '$1 == f {print $2; exit}' "/proc/$1/status"
}

# priv_check_dropped PID: fails unless PID runs as nobody with no capability, no_new_privs and a
# seccomp filter, as /proc/PID/status shows them; prints them on one line.
priv_check_dropped() {
  local pid=$1 uid euid capeff capprm capbnd nnp seccomp
  uid=$(priv_status "$pid" Uid)
  euid=$(awk '$1 == "Uid:" {print $3; exit}' "/proc/$pid/status")
  capeff=$(priv_status "$pid" CapEff)
  capprm=$(priv_status "$pid" CapPrm)
  capbnd=$(priv_status "$pid" CapBnd)
  nnp=$(priv_status "$pid" NoNewPrivs)
  seccomp=$(priv_status "$pid" Seccomp)
  [[ $uid == "$NOBODY_UID" && $euid == "$NOBODY_UID" ]] || live_fail "Uid is $uid (effective $euid), expected $NOBODY_UID"
  [[ $capeff == 0000000000000000 ]] || live_fail "CapEff is $capeff, expected 0000000000000000"
  [[ $capprm == 0000000000000000 ]] || live_fail "CapPrm is $capprm, expected 0000000000000000"
  [[ $capbnd == 0000000000000000 ]] || live_fail "CapBnd is $capbnd, expected 0000000000000000"
  [[ $nnp == 1 ]] || live_fail "NoNewPrivs is $nnp, expected 1"
  [[ $seccomp == 2 ]] || live_fail "Seccomp is $seccomp, expected 2 (filter mode)"
  printf 'Uid %s CapEff %s CapBnd %s NoNewPrivs %s Seccomp %s\n' "$uid" "$capeff" "$capbnd" "$nnp" "$seccomp"
}

# priv_check_pcap FILE: fails unless tshark reads FILE whole and its size is exactly the header
# plus every record (nothing cut short); prints the record count.
priv_check_pcap() {
  local cap=$1 err records expected size
  err=$(timeout 20 tshark -n -r "$cap" -T fields -e frame.cap_len 2>&1 >"$WORK/caplens") ||
    live_fail "tshark cannot read the capture: $err"
  [[ -z $err || $err != *"cut short"* ]] || live_fail "tshark: $err"
  records=$(wc -l <"$WORK/caplens")
  expected=$(awk '{s += 16 + $1} END {print 24 + s}' "$WORK/caplens")
  size=$(stat -c %s "$cap")
  ((size == expected)) || live_fail "capture is $size bytes but its $records records account for $expected"
  printf '%s\n' "$records"
}
