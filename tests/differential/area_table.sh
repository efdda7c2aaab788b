#!/usr/bin/env bash
# Prints docs/conformance.md's table of the differential suite: every area, how many cases,
# how many the kernel and tapstack agree on and which are known differences, counted from the
# case lists (golden/cases.tsv, written by make_cases, and golden/fuzzed.tsv, written by the
# differential fuzzer) and known_differences.txt, so the numbers are never typed by hand.
#
#   tests/differential/area_table.sh [CASES_TSV...]
#
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
    if (name ~ /^v6_(echo|icmp|version)_/) return "v6 echo"
    if (name ~ /^v6_(ns|na|resolve)_/) return "v6 ndp"
    if (name ~ /^v6_(hbh|dest|routing|unknown|next|long)_/) return "v6 extension headers"
    if (name ~ /^v6_frag_/) return "v6 frag"
    if (name ~ /^v6_/) return "v6 errors"
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
    covers["v6 echo"] = "global, link-local, ff02::1 and solicited-node destinations, sizes 0–1452, hop limit 0/1/255, traffic class, flow label, bad checksum and lengths, bad sources and destinations, unknown ICMPv6 types"
    covers["v6 ndp"] = "NS to the solicited-node group, unicast (with and without SLLA), to ff02::1, DAD probes, for others; malformed NS (hop limit, code, option length 0, multicast target, short); NA with and without override, NA without an entry; resolution answered, unanswered, with two held datagrams"
    covers["v6 extension headers"] = "hop-by-hop and destination options (PadN, router alert, unknown options with each action, to unicast and ff02::1, too many options), routing type 0 and unknown with segments left 0 and 1, unknown next header, next header 59, a long chain, hop-by-hop not first"
    covers["v6 frag"] = "in order, out of order, reversed, overlap, duplicate, atomic, not a multiple of 8, beyond 65535, incomplete header chain, 4000 and 65000-byte echoes and a reply 9 bytes over the MTU (in fragments), 60 s timeouts with and without the first fragment"
    covers["v6 errors"] = "port unreachable (global, link-local, quote cut at 1280), TCP RST, zero UDP checksum, the rate limit (burst and refill), errors never sent: about an error, to multicast, from ::"
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
      agree = n[a] - k[a]
      printf "| %s | %d | %s | %d | %s |\n", a, n[a], agree, k[a], covers[a]
    }
    printf "| **all** | **%d** | | | |\n", total
  }' "${cases[@]}"
