#!/usr/bin/env bash
# Prints docs/conformance.md's table of the differential suite: every area, how many cases,
# how many the kernel and tapstack agree on and which are known differences, counted from the
# case lists (golden/cases.tsv, written by make_cases, and golden/fuzzed.tsv, written by the
# differential fuzzer) and known_differences.txt, so the numbers are never typed by hand.
#
#   tests/differential/area_table.sh [CASES_TSV...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cases=("$@")
((${#cases[@]})) || cases=("$here/golden/cases.tsv" "$here/golden/fuzzed.tsv")
for f in "${cases[@]}"; do
  [[ -r $f ]] || { echo "area_table.sh: cannot read $f" >&2; exit 1; }
done
awk -F'\t' -v known="$here/known_differences.txt" '
  # A case belongs to the area its name starts with; these prefixes share a row.
  function area(name,   p) {
    if (name ~ /^error_options_/) return "error_options"
    if (name ~ /^fz_/) return "fuzzed"
    p = name; sub(/_.*/, "", p)
    if (p ~ /^(udp|tcp|proto|igmp)$/) return "udp, tcp, proto, igmp"
    if (p ~ /^(eth|ipv6|llc|qinq|runt|unknown|vlan)$/) return "link"
    return p
  }
  BEGIN {
    while ((getline line < known) > 0) {
      if (line ~ /^#/ || line ~ /^[[:space:]]*$/) continue
      split(line, f, /[[:space:]]+/); is_known[f[1]] = 1
    }
    covers["echo"] = "sizes 0–1472, TOS values, TTL 1, DF, broadcast and multicast destinations, bad checksums, padding, martian sources"
    covers["arp"] = "requests to us/others, to our MAC/broadcast/other MACs, gratuitous requests and replies, unsolicited replies, RFC 5227 probes, conflicts, htype 6, malformed fields, truncation"
    covers["opt"] = "record route, timestamp (only, with addresses, pre-specified), NOPs, unknown and malformed options, source routes"
    covers["resolve"] = "ARP resolution of an unknown peer, held datagrams, unanswered resolution, stale-entry probing"
    covers["frag"] = "in and out of order, duplicates, overlaps, ping of death, lone fragments, 4000 and 65507-byte echoes, reassembly timeouts with and without the first fragment"
    covers["icmp"] = "timestamp, information and address mask requests, inbound replies and errors, unknown types"
    covers["udp, tcp, proto, igmp"] = "closed ports (port unreachable, RST for SYN/ACK/FIN/data), bad checksums, broadcasts, unknown protocols"
    covers["link"] = "VLAN (priority tag and real VLANs), QinQ, IPv6, LLC, unknown EtherTypes, runts, odd Ethernet sources"
    covers["pmtu"] = "fragmentation needed quoting our echo reply, floor 552, MTU 0 and 68, larger and repeated reports, reports not about our datagrams, the quote limit after learning"
    covers["fuzzed"] = "minimised mutants of the cases above (fuzz.sh): header fields, option bytes, fragment offsets and flags, lengths, ARP fields, frame order and timing"
    covers["error_options"] = "record route and timestamp echoed in port and protocol unreachable, parameter problem and time exceeded; the 576-byte limit with options"
  }
  /^#/ { next }
  {
    a = area($1)
    if (!(a in n)) order[++areas] = a
    n[a]++
    if ($1 in is_known) k[a]++
    total++
  }
  END {
    print "| area | cases | agree | known difference | covers |"
    print "|---|---|---|---|---|"
    for (i = 1; i <= areas; i++) {
      a = order[i]
      printf "| %s | %d | %d | %d | %s |\n", a, n[a], n[a] - k[a], k[a], covers[a]
    }
    printf "| **all** | **%d** | | | |\n", total
  }' "${cases[@]}"
