#!/usr/bin/env bash
# Makes NAME.expected.pcap for every fixture of fixtures.tsv with `tapstack replay`, after
# checking the output: exit 0, byte-identical on a second run, decoded by tshark with no
# malformed frame and no bad checksum. Where the fixture has a NAME.kernel.pcap (a real
# Linux kernel's answers to the same input) it prints, frame by frame and field by field, how
# tapstack's output differs from Linux, ignoring the IP identification and header checksum
# and the timestamps. Those differences are for a person to judge: this script never edits an
# expected file to make it agree.
#
# Usage: pcap-fixtures/make-expected.sh [TAPSTACK] [NAME...]
#   TAPSTACK  the program (default: build/apps/tapstack)
#   NAME      only these fixtures (default: every line of fixtures.tsv)
#   pcap-fixtures/make-expected.sh --compare A.pcap B.pcap   just the field-by-field comparison
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# The fields compared with the kernel: everything a reply carries except ip.id, ip.checksum and
# time. icmp.checksum stays: with equal headers it compares the echoed data too.
FIELDS=(frame.len eth.dst eth.src eth.type eth.padding
  arp.hw.type arp.proto.type arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
  ip.hdr_len ip.dsfield ip.len ip.flags ip.frag_offset ip.ttl ip.proto ip.src ip.dst
  ip.opt.type ip.opt.ptr ip.rec_rt
  icmp.type icmp.code icmp.checksum icmp.ident icmp.seq data.len)

# One line per frame. Frames shorter than 60 bytes count as padded to 60 and the padding is not
# compared: veth does not pad what Linux sends, tapstack pads as the issue asks (and the golden
# tests pin its padding byte for byte).
table() {
  local args=() f
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  tshark -r "$1" -T fields -E header=y -E separator=/t "${args[@]}" 2>/dev/null |
    awk -F'\t' -v OFS='\t' 'NR > 1 { if ($1 < 60) $1 = 60; $5 = "" } { print }'
}

# compare KERNEL TAPSTACK: prints the differences, one line per frame and field.
compare() {
  local kernel=$1 ours=$2
  local kt ot
  kt=$(table "$kernel")
  ot=$(table "$ours")
  local kn on
  kn=$(($(wc -l <<<"$kt") - 1))
  on=$(($(wc -l <<<"$ot") - 1))
  if [[ $kt != "$ot" && $(sort <<<"$kt") == $(sort <<<"$ot") ]]; then
    # Linux's timers run a few ms late (jitter), so a retry can land after a reply that
    # tapstack, on the capture's exact clock, sends after it.
    echo "    the same frames as the kernel, in another order (timer jitter?): kernel <, tapstack >"
    diff <(tail -n +2 <<<"$kt" | cut -f1-4,8,12,20,21,25,29) <(tail -n +2 <<<"$ot" | cut -f1-4,8,12,20,21,25,29) |
      sed 's/^/    /' || true
    return
  fi
  if ((kn != on)); then
    echo "    frame count: kernel $kn, tapstack $on; the two tables (kernel <, tapstack >):"
    diff <(tail -n +2 <<<"$kt") <(tail -n +2 <<<"$ot") | sed 's/^/    /' || true
    return
  fi
  local out
  out=$(paste <(echo "$kt") <(echo "$ot") | awk -F'\t' -v n="${#FIELDS[@]}" '
    NR == 1 { for (i = 1; i <= n; i++) name[i] = $i; next }
    { for (i = 1; i <= n; i++) if ($i != $(i + n))
        printf "    frame %d: %s kernel=%s tapstack=%s\n", NR - 1, name[i], ($i == "" ? "-" : $i), ($(i + n) == "" ? "-" : $(i + n)) }')
  if [[ -z $out ]]; then echo "    same as the kernel (modulo IP id/checksum and time)"; else echo "$out"; fi
}

# Fails when tshark reports a malformed frame, an error or a bad checksum in file.
check_decodes() {
  local file=$1 bad
  bad=$(tshark -r "$file" -o ip.check_checksum:TRUE -V 2>&1 |
    grep -E 'Malformed|Expert Info \(Error|Bad checksum|Checksum Status: Bad' || true)
  if [[ -n $bad ]]; then
    echo "make-expected: $file does not decode cleanly:" >&2
    echo "$bad" | head -5 >&2
    return 1
  fi
}

if [[ ${1:-} == --compare ]]; then
  compare "$2" "$3"
  exit 0
fi

prog=${1:-$here/../build/apps/tapstack}
shift || true
[[ -x $prog ]] || { echo "make-expected: $prog is not built" >&2; exit 1; }
only=("$@")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
while read -r name input mode ip mac kernel; do
  [[ -z $name || $name == \#* ]] && continue
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
  args=(replay --mode "$mode" --ip "$ip")
  [[ $mac != - ]] && args+=(--mac "$mac")
  echo "== $name: tapstack ${args[*]} $input $name.expected.pcap"
  if ! "$prog" "${args[@]}" "$here/$input" "$work/a.pcap" >"$work/summary" 2>"$work/err"; then
    echo "make-expected: replay of $input failed:" >&2
    cat "$work/err" >&2
    status=1
    continue
  fi
  sed 's/^/    /' "$work/summary"
  "$prog" "${args[@]}" "$here/$input" "$work/b.pcap" >/dev/null 2>&1 || true
  if ! cmp -s "$work/a.pcap" "$work/b.pcap"; then
    echo "make-expected: two replays of $input differ; output not deterministic" >&2
    status=1
    continue
  fi
  check_decodes "$work/a.pcap" || { status=1; continue; }
  cp "$work/a.pcap" "$here/$name.expected.pcap"
  echo "    $(tshark -r "$here/$name.expected.pcap" 2>/dev/null | wc -l) frames out"
  if [[ $kernel != - && -f $here/$kernel.kernel.pcap ]]; then
    echo "  compared with $kernel.kernel.pcap:"
    compare "$here/$kernel.kernel.pcap" "$here/$name.expected.pcap"
  fi
done <"$here/fixtures.tsv"
exit $status
