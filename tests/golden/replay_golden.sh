#!/usr/bin/env bash
# Golden and command-line tests of `tapstack replay`, run by ctest (tests/golden/CMakeLists.txt).
#
#   replay_golden.sh golden    TAPSTACK FIXTURES NAME   replay fixture NAME (a line of
#                              FIXTURES/fixtures.tsv); the output must equal NAME.expected.pcap
#                              byte for byte, be identical on a second run, and decode cleanly
#   replay_golden.sh done-when TAPSTACK FIXTURES        the issue's done-when, field by field
#   replay_golden.sh error     TAPSTACK FIXTURES CASE   a bad input or output: non-zero exit,
#                              exactly one line on stderr, no crash, no sanitizer report
#   replay_golden.sh empty-capture TAPSTACK FIXTURES    a capture with no frames is not an error
#   replay_golden.sh own-input TAPSTACK FIXTURES CASE   OUTPUT that is INPUT (same name, symlink,
#                              hard link) is refused: exit 2, one line, the input intact
#   replay_golden.sh keeps-output TAPSTACK FIXTURES     a failing replay leaves an existing OUTPUT
#                              untouched, and leaves no temporary file beside it
#   replay_golden.sh drain     TAPSTACK FIXTURES        --drain resolves the frame ping-broadcast
#                              leaves held for ARP; without it the summary says it is pending
#
# Every file it writes goes to a mktemp -d directory, removed on exit.
set -euo pipefail

what=$1 prog=$2 fixtures=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run NAME ARGS...: runs tapstack with ARGS; sets rc, stdout in $work/NAME.out, stderr in NAME.err.
run() {
  local name=$1
  shift
  rc=0
  "$prog" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
}

# A crash or a sanitizer report is a failure whatever the exit code.
no_crash() {
  local name=$1
  ((rc < 128)) || fail "tapstack was killed by signal $((rc - 128)); stderr: $(cat "$work/$name.err")"
  if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$work/$name.err"; then
    cat "$work/$name.err" >&2
    fail "sanitizer report"
  fi
}

lines() { wc -l <"$1" | tr -d ' '; }

# Decoding must raise no malformed frame, no error and no bad checksum (IP checksums verified).
check_decodes() {
  local file=$1 bad
  bad=$(tshark -r "$file" -o ip.check_checksum:TRUE -V 2>&1 |
    grep -E 'Malformed|Expert Info \(Error|Bad checksum|Checksum Status: Bad' || true)
  [[ -z $bad ]] || fail "tshark does not decode $file cleanly: $(head -3 <<<"$bad")"
}

frames() { tshark -r "$1" 2>/dev/null | wc -l | tr -d ' '; }

# A successful replay: exit 0, a one-line summary on stdout, nothing on stderr.
replay_ok() {
  local name=$1
  shift
  run "$name" "$@"
  no_crash "$name"
  ((rc == 0)) || fail "exit $rc from: tapstack $*; stderr: $(cat "$work/$name.err")"
  [[ $(lines "$work/$name.out") == 1 ]] || fail "summary is not one line: $(cat "$work/$name.out")"
  [[ ! -s $work/$name.err ]] || fail "unexpected stderr: $(cat "$work/$name.err")"
}

golden() {
  local want=$1 name input mode ip mac found=0
  while read -r name input mode ip mac _; do
    [[ $name == "$want" ]] || continue
    found=1
    break
  done <"$fixtures/fixtures.tsv"
  ((found)) || fail "no fixture $want in $fixtures/fixtures.tsv"
  local expected=$fixtures/$name.expected.pcap
  [[ -f $expected ]] || fail "$expected is missing: run pcap-fixtures/make-expected.sh"

  local args=(replay --mode "$mode" --ip "$ip")
  [[ $mac != - ]] && args+=(--mac "$mac")
  replay_ok first "${args[@]}" "$fixtures/$input" "$work/first.pcap"
  echo "tapstack ${args[*]} $input: $(cat "$work/first.out")"
  if ! cmp "$expected" "$work/first.pcap"; then
    echo "--- expected / +++ replay output, as tshark shows them:" >&2
    diff -u <(tshark -r "$expected" -t e 2>/dev/null) <(tshark -r "$work/first.pcap" -t e 2>/dev/null) >&2 || true
    fail "$name: output differs from $name.expected.pcap"
  fi
  replay_ok second "${args[@]}" "$fixtures/$input" "$work/second.pcap"
  cmp "$work/first.pcap" "$work/second.pcap" || fail "$name: two replays of the same input differ"
  check_decodes "$work/first.pcap"
}

# The issue's done-when: `tapstack replay --ip 10.0.0.2 --mac 02:00:00:00:00:02 in.pcap out.pcap`
# fed an ARP request and three echo requests from 10.0.0.1 (Linux's own ping, recorded by
# regenerate.sh) writes one correct ARP reply and three correct echo replies.
done_when() {
  local in=$fixtures/done-when.pcap out=$work/out.pcap
  local ours=02:00:00:00:00:02 client=02:00:0a:00:00:01
  replay_ok answers replay --ip 10.0.0.2 --mac "$ours" "$in" "$out"
  check_decodes "$out"
  [[ $(frames "$out") == 4 ]] || fail "expected 4 frames out, got $(frames "$out")"

  local f=(-o ip.check_checksum:TRUE -T fields -E separator=/s)
  # The ARP reply (RFC 826): to the asker, from our MAC, every field, padded to 60 bytes.
  local arp got
  arp=$(tshark -r "$out" -Y 'frame.number == 1' "${f[@]}" -e frame.len -e eth.dst -e eth.src -e eth.type \
    -e arp.hw.type -e arp.proto.type -e arp.hw.size -e arp.proto.size -e arp.opcode \
    -e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.hw_mac -e arp.dst.proto_ipv4 2>/dev/null)
  got="60 $client $ours 0x0806 1 0x0800 6 4 2 $ours 10.0.0.2 $client 10.0.0.1"
  [[ $arp == "$got" ]] || fail "ARP reply: got '$arp', want '$got'"

  # Requests as Linux's ping sent them; each reply must echo ident, sequence and data.
  local req rep i
  req=$(tshark -r "$in" -Y icmp "${f[@]}" -e frame.time_epoch -e ip.len -e icmp.ident -e icmp.seq -e data.data \
    2>/dev/null)
  [[ $(wc -l <<<"$req") == 3 ]] || fail "done-when.pcap should hold three echo requests"
  rep=$(tshark -r "$out" -Y 'frame.number > 1' "${f[@]}" -e frame.time_epoch -e ip.len -e icmp.ident -e icmp.seq \
    -e data.data 2>/dev/null)
  [[ $rep == "$req" ]] || fail "echo replies do not echo the requests (time, length, ident, seq, data):
requests: $req
replies:  $rep"
  local hdr
  hdr=$(tshark -r "$out" -Y 'frame.number > 1' "${f[@]}" -e eth.dst -e eth.src -e eth.type -e ip.version \
    -e ip.hdr_len -e ip.flags.mf -e ip.frag_offset -e ip.ttl -e ip.proto -e ip.src -e ip.dst \
    -e ip.checksum.status -e icmp.type -e icmp.code -e icmp.checksum.status 2>/dev/null)
  got="$client $ours 0x0800 4 20 0 0 64 1 10.0.0.2 10.0.0.1 1 0 0 1"
  for i in 1 2 3; do
    [[ $(sed -n "${i}p" <<<"$hdr") == "$got" ]] ||
      fail "echo reply $i: got '$(sed -n "${i}p" <<<"$hdr")', want '$got' (checksum status 1 = good)"
  done
  # Stamped with the emit time: each answer carries the timestamp of the request that caused it.
  local t_req t_rep
  t_req=$(tshark -r "$in" -T fields -e frame.time_epoch 2>/dev/null)
  t_rep=$(tshark -r "$out" -T fields -e frame.time_epoch 2>/dev/null)
  [[ $t_req == "$t_rep" ]] || fail "reply timestamps $t_rep are not the request timestamps $t_req"
  echo "done-when: one ARP reply and three echo replies, every field checked"
}

# A bad input or output: non-zero exit, exactly one non-empty line on stderr, no crash.
error_case() {
  local case=$1 in=$work/in.pcap out=$work/out.pcap mode=tap
  local valid=$fixtures/ping-basic.pcap size
  size=$(stat -c %s "$valid")
  case $case in
    missing-input) in=$work/does-not-exist.pcap ;;
    empty-input) : >"$in" ;;
    # 24-byte file header, 16-byte record headers: cut inside the file header, inside the
    # first record's header, and inside the last record's data.
    truncated-file-header) head -c 10 "$valid" >"$in" ;;
    truncated-record-header) head -c 32 "$valid" >"$in" ;;
    truncated-record) head -c $((size - 10)) "$valid" >"$in" ;;
    truncated-pcapng)
      in=$work/in.pcapng
      head -c $(($(stat -c %s "$fixtures/ping-basic.pcapng") - 10)) "$fixtures/ping-basic.pcapng" >"$in"
      ;;
    garbage) printf 'this is not a capture file\n%.0s' {1..20} >"$in" ;;
    bad-pcap-version) { printf '\xd4\xc3\xb2\xa1\x09\x00\x09\x00'; head -c 100 /dev/zero; } >"$in" ;;
    unsupported-linktype) in=$fixtures/unsupported-linktype.pcap ;;
    tun-mode-ethernet-input) in=$valid mode=tun ;;
    tap-mode-raw-input) in=$fixtures/tun-ping.pcap ;;
    unwritable-output) in=$valid out=/nonexistent/dir/out.pcap ;;
    output-is-directory) in=$valid out=$work ;;
    *) fail "unknown error case $case" ;;
  esac
  run err replay --mode "$mode" --ip 10.0.0.2/24 "$in" "$out"
  no_crash err
  ((rc != 0)) || fail "$case: exit 0, want non-zero"
  [[ $(lines "$work/err.err") == 1 && -n $(tr -d '[:space:]' <"$work/err.err") ]] ||
    fail "$case: want exactly one line on stderr, got $(lines "$work/err.err"): $(cat "$work/err.err")"
  echo "$case: exit $rc: $(cat "$work/err.err")"
}

# A valid capture with no frames (a file header only): exit 0, an output with no frames.
empty_capture() {
  head -c 24 "$fixtures/ping-basic.pcap" >"$work/in.pcap"
  replay_ok empty replay --ip 10.0.0.2/24 "$work/in.pcap" "$work/out.pcap"
  [[ -f $work/out.pcap ]] || fail "no output file written"
  [[ $(frames "$work/out.pcap") == 0 ]] || fail "frames out of an empty capture"
  echo "empty capture: $(cat "$work/empty.out")"
}

# OUTPUT that is INPUT, however named: refused before anything is written.
own_input() {
  local case=$1 in=$work/in.pcap out
  cp "$fixtures/ping-basic.pcap" "$in"
  local sum
  sum=$(sha256sum <"$in")
  case $case in
    same-name) out=$in ;;
    symlink) ln -s in.pcap "$work/link.pcap" && out=$work/link.pcap ;;
    hard-link) ln "$in" "$work/hard.pcap" && out=$work/hard.pcap ;;
    input-via-symlink) ln -s in.pcap "$work/link.pcap" && out=$in in=$work/link.pcap ;;
    *) fail "unknown own-input case $case" ;;
  esac
  run own replay --ip 10.0.0.2/24 "$in" "$out"
  no_crash own
  ((rc == 2)) || fail "$case: exit $rc, want 2; stderr: $(cat "$work/own.err")"
  [[ $(lines "$work/own.err") == 1 ]] || fail "$case: want one line on stderr: $(cat "$work/own.err")"
  [[ $(sha256sum <"$work/in.pcap") == "$sum" ]] || fail "$case: the input was changed"
  [[ -z $(find "$work" -name '.*' -type f) ]] || fail "$case: a temporary file was left behind"
  echo "$case: exit $rc: $(cat "$work/own.err")"
}

# A replay that fails half-way (a truncated last record) leaves an existing OUTPUT as it was.
keeps_output() {
  local valid=$fixtures/ping-basic.pcap in=$work/in.pcap out=$work/out.pcap
  head -c $(($(stat -c %s "$valid") - 10)) "$valid" >"$in"
  echo "precious" >"$out"
  run fails replay --ip 10.0.0.2/24 "$in" "$out"
  no_crash fails
  ((rc != 0)) || fail "a truncated capture replayed with exit 0"
  [[ $(cat "$out") == precious ]] || fail "the existing output was changed or removed"
  [[ -z $(find "$work" -name '.*' -type f) ]] || fail "a temporary file was left behind"
  # ... and a successful one replaces it.
  replay_ok ok replay --ip 10.0.0.2/24 "$valid" "$out"
  [[ $(frames "$out") -gt 0 ]] || fail "the output was not replaced by a successful replay"
  echo "keeps output: exit $rc: $(cat "$work/fails.err")"
}

# ping-broadcast with broadcasts answered: the replies to 10.0.0.1 wait on ARP when the capture
# ends. Without --drain they are reported pending; with --drain the ARP retries run out (and are
# written), the held frames are dropped and counted, nothing is pending.
drain() {
  local in=$fixtures/ping-broadcast.pcap args=(replay --ip 10.0.0.2/24 --mac 02:00:0a:00:00:02
    --icmp-echo-ignore-broadcasts=0)
  replay_ok plain "${args[@]}" "$in" "$work/plain.pcap"
  echo "without --drain: $(cat "$work/plain.out")"
  local held
  held=$(sed -En 's/.*pending: ([0-9]+) frames? held for ARP.*/\1/p' "$work/plain.out")
  ((${held:-0} > 0)) || fail "the held replies are not reported pending"
  replay_ok drained "${args[@]}" --drain "$in" "$work/drained.pcap"
  echo "with --drain:    $(cat "$work/drained.out")"
  grep -q pending "$work/drained.out" && fail "--drain left something pending"
  local dropped_plain dropped_drained
  dropped_plain=$(sed -E 's/.*dropped ([0-9]+).*/\1/' "$work/plain.out")
  dropped_drained=$(sed -E 's/.*dropped ([0-9]+).*/\1/' "$work/drained.out")
  ((dropped_drained == dropped_plain + held)) || fail "--drain did not count the $held held frames as dropped"
  grep -q "arp_drop_unresolved $held" "$work/drained.out" || fail "the drops are not counted as unresolved"
  # The ARP retries are written out too; the capture's own answers are unchanged before them.
  (($(frames "$work/drained.pcap") > $(frames "$work/plain.pcap"))) || fail "--drain sent no ARP retries"
  replay_ok again "${args[@]}" --drain "$in" "$work/again.pcap"
  cmp "$work/drained.pcap" "$work/again.pcap" || fail "two drained replays differ"
  check_decodes "$work/drained.pcap"
}

case $what in
  golden) golden "$1" ;;
  done-when) done_when ;;
  error) error_case "$1" ;;
  empty-capture) empty_capture ;;
  own-input) own_input "$1" ;;
  keeps-output) keeps_output ;;
  drain) drain ;;
  *) fail "unknown test kind $what" ;;
esac
