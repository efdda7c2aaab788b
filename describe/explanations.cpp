#include "describe/explanations.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace tapstack {
namespace {

using enum Fate;
using C = Counter;

// The rules: an RFC section where the RFC decides, otherwise the Linux code or sysctl whose
// behaviour the stack copies (docs/conformance.md has the differences).
constexpr std::array kExplanations{
    // Ethernet
    Explanation{C::eth_drop_runt, dropped, "shorter than the 14-byte Ethernet header",
                "IEEE 802.3 §3.1.1; Linux eth_type_trans needs ETH_HLEN"},
    Explanation{C::eth_drop_other_host, dropped, "unicast to another host's MAC",
                "IEEE 802.3 §4.2.9 address recognition; Linux marks it PACKET_OTHERHOST and ip_rcv drops it"},
    Explanation{C::eth_drop_vlan, dropped, "VLAN-tagged, and this host has no interface on that VLAN",
                "IEEE 802.1Q; Linux drops a tag no VLAN device claims"},
    Explanation{C::eth_drop_llc, dropped, "an 802.3 length field (LLC/SNAP), not an EtherType",
                "IEEE 802.3 §3.2.6: below 0x0600 the field is a length; RFC 894 framing only"},
    Explanation{C::eth_drop_unknown_type, dropped, "an EtherType no protocol here handles",
                "RFC 894; Linux: no packet_type registered, freed in __netif_receive_skb"},
    // ARP
    Explanation{C::arp_drop_truncated, dropped, "ARP packet shorter than its header says", "RFC 826; Linux arp_rcv"},
    Explanation{C::arp_drop_bad_hardware, dropped, "ARP hardware type or length is not Ethernet (1, 6)",
                "RFC 826; Linux arp_process checks ar_hrd and ar_hln"},
    Explanation{C::arp_drop_bad_protocol, dropped, "ARP protocol type or length is not IPv4 (0x0800, 4)",
                "RFC 826; Linux arp_process checks ar_pro and ar_pln"},
    Explanation{C::arp_drop_bad_op, dropped, "ARP opcode is neither request (1) nor reply (2)",
                "RFC 826; Linux arp_process handles ARPOP_REQUEST and ARPOP_REPLY only"},
    Explanation{C::arp_drop_bad_sender, dropped, "ARP sender or target is a multicast or loopback address",
                "Linux arp_process: ipv4_is_multicast / ipv4_is_loopback"},
    Explanation{C::arp_drop_not_for_us, dropped, "ARP request for another host's address",
                "RFC 826: answer only for our own protocol address; no proxy ARP"},
    Explanation{C::arp_drop_unresolved, dropped,
                "datagram waiting for ARP dropped: the neighbour never answered, or its queue was full",
                "RFC 1122 §2.3.2.2; Linux unres_qlen and NUD_FAILED"},
    Explanation{C::arp_drop_table_full, dropped,
                "datagram for a new neighbour dropped: the table is full of entries still resolving",
                "Linux neigh_alloc fails past gc_thresh3 when nothing can be collected; ip_finish_output2 frees it"},
    Explanation{C::arp_requests_answered, answered, "ARP request for our address",
                "RFC 826: reply with our MAC, learn the sender"},
    Explanation{C::arp_probes_answered, answered, "ARP probe for our address",
                "RFC 5227 §2.1.1: a probe for an address in use is answered"},
    Explanation{C::arp_conflicts, consumed, "another host claims our address",
                "RFC 5227 §2.4; Linux logs nothing, tapstack warns"},
    Explanation{C::arp_requests_sent, held, "waiting for the next hop's MAC",
                "RFC 1122 §2.3.2.2: hold the datagram while ARP resolves; Linux unres_qlen"},
    Explanation{C::arp_cache_learned, consumed, "sender learned into the ARP cache",
                "RFC 826 merge; Linux arp_process (neigh_update)"},
    Explanation{C::arp_cache_updated, consumed, "ARP cache entry confirmed or updated",
                "RFC 826 merge; Linux NUD states (REACHABLE, STALE)"},
    Explanation{C::arp_cache_evicted, consumed, "an ARP cache entry evicted to keep the cache bounded",
                "Linux gc_thresh3"},
    Explanation{C::arp_held_sent, answered, "datagrams held for ARP sent now that the neighbour answered",
                "RFC 1122 §2.3.2.2: datagrams held for ARP leave once the neighbour answers"},
    // NDP and DAD (the nd_ block)
    Explanation{C::nd_drop_invalid, dropped,
                "neighbour discovery message failed validation: hop limit not 255, code not 0, too short, or a bad option",
                "RFC 4861 §7.1.1, §7.1.2, §6.1; Linux ndisc_rcv and ndisc_parse_options"},
    Explanation{C::nd_drop_multicast_target, dropped, "NS or NA whose target address is multicast",
                "RFC 4861 §7.1.1, §7.1.2; Linux ndisc_recv_ns/ndisc_recv_na"},
    Explanation{C::nd_drop_bad_dad, dropped,
                "NS from the unspecified address not sent to a solicited-node group, or carrying a source link-layer option",
                "RFC 4861 §7.1.1; Linux ndisc_recv_ns (dad && !ipv6_addr_is_solict_mult)"},
    Explanation{C::nd_drop_not_for_us, dropped, "NS for an address this host does not own",
                "RFC 4861 §7.2.3: answer only for our own unicast addresses; no proxy NDP"},
    Explanation{C::nd_drop_tentative, dropped, "NS for an address still under duplicate address detection",
                "RFC 4862 §5.4.3: a tentative address answers nothing"},
    Explanation{C::nd_drop_unsolicited_na, dropped, "NA about a neighbour the table does not hold",
                "RFC 4861 §7.2.5: silently discard an NA with no entry; Linux ndisc_recv_na"},
    Explanation{C::nd_drop_router, dropped, "router solicitation, router advertisement or redirect",
                "RFC 4861 §6.2.6: a host ignores RS; this host takes no configuration from routers (accept_ra=0)"},
    Explanation{C::nd_drop_mld, dropped, "MLD query or report: no multicast listener state is kept",
                "RFC 3810; the link is a TAP with no snooping switch, so no reports are needed for delivery"},
    Explanation{C::nd_solicitations_answered, answered, "neighbour solicitation for our address",
                "RFC 4861 §7.2.4: an NA with S and O set, to the solicitor (or all-nodes when it is ::)"},
    Explanation{C::nd_cache_learned, consumed, "solicitor learned into the neighbour table",
                "RFC 4861 §7.2.3: create a STALE entry from the source link-layer option; Linux ndisc_recv_ns"},
    Explanation{C::nd_cache_updated, consumed, "neighbour table entry confirmed or updated",
                "RFC 4861 §7.2.5; Linux neigh_update (REACHABLE, STALE)"},
    Explanation{C::nd_cache_evicted, consumed, "a neighbour table entry evicted to keep the table bounded",
                "Linux gc_thresh3"},
    Explanation{C::nd_drop_unresolved, dropped,
                "datagram waiting for neighbour discovery dropped: no answer, or its queue was full",
                "RFC 4861 §7.2.2; Linux unres_qlen and NUD_FAILED"},
    Explanation{C::nd_drop_table_full, dropped,
                "datagram for a new neighbour dropped: the table is full of entries still resolving",
                "Linux neigh_alloc fails past gc_thresh3 when nothing can be collected; ip6_finish_output2 frees it"},
    Explanation{C::nd_held_sent, answered, "datagrams held for neighbour discovery sent now that the neighbour answered",
                "RFC 4861 §7.2.5: queued packets are transmitted once the entry is resolved"},
    Explanation{C::nd_dad_duplicates, consumed, "another node owns or is claiming one of our tentative addresses",
                "RFC 4862 §5.4.3, §5.4.4: the address is duplicate and not used"},
    Explanation{C::nd_conflicts, consumed, "another node advertises one of our addresses with its own MAC",
                "RFC 4862 §5.4.4; Linux ndisc_recv_na logs \"NA: someone advertises our address\""},
    // IPv4
    Explanation{C::ip_drop_truncated, dropped, "IPv4 datagram shorter than its header or its total length",
                "RFC 791 §3.1; Linux ip_rcv_core"},
    Explanation{C::ip_drop_bad_version, dropped, "IP version is not 4",
                "RFC 791 §3.1; RFC 1122 §3.2.1.1: silently discard"},
    Explanation{C::ip_drop_bad_header_len, dropped, "IHL below 5 words or beyond the datagram",
                "RFC 791 §3.1; Linux ip_rcv_core"},
    Explanation{C::ip_drop_bad_checksum, dropped, "IPv4 header checksum wrong", "RFC 791 §3.1, RFC 1071"},
    Explanation{C::ip_drop_bad_options, dropped, "malformed IPv4 options; answered with a parameter problem",
                "RFC 791 §3.1; RFC 1122 §3.2.2.5; Linux ip_options_compile"},
    Explanation{C::ip_drop_source_route, dropped, "source-routed datagram: a host does not accept source routes",
                "RFC 1122 §3.3.5; Linux accept_source_route=0"},
    Explanation{C::ip_drop_martian_source, dropped,
                "martian source: broadcast, multicast, loopback, 0.0.0.0/8 or our own address",
                "RFC 1122 §3.2.1.3; Linux ip_route_input martian source"},
    Explanation{C::ip_drop_not_for_us, dropped, "not addressed to this host, and a host does not forward",
                "RFC 1122 §3.3.1; Linux ip_forward=0"},
    Explanation{C::ip_drop_bad_link_type, dropped, "unicast IP datagram in a link-layer broadcast or multicast",
                "RFC 1122 §3.3.6"},
    Explanation{C::ip_drop_unknown_protocol, dropped, "a protocol this host does not speak; protocol unreachable sent",
                "RFC 1122 §3.2.2.1; RFC 792 code 2"},
    Explanation{C::ip_drop_no_route, dropped, "the reply's destination is not on our subnet and there is no gateway",
                "RFC 1122 §3.3.1: no route, nothing sent"},
    Explanation{C::ip_frag_in, held, "fragment kept until its datagram is complete",
                "RFC 791 §3.2 reassembly; RFC 1122 §3.3.2"},
    Explanation{C::ip_frag_reassembled, consumed, "datagram reassembled from its fragments", "RFC 791 §3.2"},
    Explanation{C::ip_frag_drop_oversize, dropped, "fragment would make the datagram exceed 65535 bytes (ping of death)",
                "RFC 791 §3.1 total length; Linux ip_frag_queue"},
    Explanation{C::ip_frag_drop_overlap, dropped, "overlapping fragment: the whole datagram discarded",
                "Linux ip_frag_queue since 4.19 (FragmentSmack, CVE-2018-5391); as RFC 5722 does for IPv6"},
    Explanation{C::ip_frag_drop_duplicate, dropped, "fragment repeating data already held",
                "Linux ip_frag_queue keeps the first copy"},
    Explanation{C::ip_frag_drop_too_far, dropped, "fragments too far apart: the datagram restarted",
                "Linux ipfrag_max_dist (64)"},
    Explanation{C::ip_frag_drop_timeout, dropped, "incomplete datagram timed out",
                "RFC 791 §3.2; RFC 1122 §3.3.2; Linux ipfrag_time (30 s)"},
    Explanation{C::ip_frag_drop_memory, dropped, "incomplete datagram evicted for memory", "Linux ipfrag_high_thresh"},
    Explanation{C::ip_frag_drop_bad, dropped, "malformed fragment (length not a multiple of 8, or past its datagram's end)",
                "RFC 791 §3.1 fragment offset; Linux ip_frag_queue"},
    Explanation{C::ip_drop_df_too_big, dropped, "reply larger than the MTU with Don't Fragment set",
                "RFC 791 §3.2; RFC 1191"},
    // IPv6 fragments
    Explanation{C::ip6_frag_in, held, "IPv6 fragment kept until its datagram is complete", "RFC 8200 §4.5"},
    Explanation{C::ip6_frag_atomic, consumed, "atomic fragment (offset 0, M clear): processed as a whole datagram",
                "RFC 6946 §4; Linux ipv6_frag_rcv"},
    Explanation{C::ip6_frag_reassembled, consumed, "IPv6 datagram reassembled from its fragments", "RFC 8200 §4.5"},
    Explanation{C::ip6_frag_drop_truncated, dropped, "Fragment header cut short; parameter problem sent",
                "RFC 8200 §4.5; Linux ipv6_frag_rcv (fail_hdr)"},
    Explanation{C::ip6_frag_drop_incomplete_chain, dropped,
                "first fragment without the whole header chain; parameter problem code 3 sent",
                "RFC 7112 §5; RFC 8200 §4.5; Linux ipv6frag_thdr_truncated"},
    Explanation{C::ip6_frag_drop_bad_length, dropped,
                "fragment with M set whose length is not a multiple of 8; parameter problem (payload length) sent",
                "RFC 8200 §4.5; Linux ip6_frag_queue"},
    Explanation{C::ip6_frag_drop_beyond_max, dropped,
                "fragment ending beyond 65535 bytes; parameter problem (fragment offset) sent",
                "RFC 8200 §4.5; Linux ip6_frag_queue"},
    Explanation{C::ip6_frag_drop_oversize, dropped, "reassembled payload would exceed 65535 bytes: datagram discarded",
                "RFC 8200 §3 payload length; Linux ip6_frag_reasm"},
    Explanation{C::ip6_frag_drop_overlap, dropped, "overlapping fragment: the whole datagram discarded",
                "RFC 5722 §4; Linux ip6_frag_queue (inet_frag_queue_insert)"},
    Explanation{C::ip6_frag_drop_duplicate, dropped, "fragment repeating data already held",
                "Linux inet_frag_queue_insert keeps the first copy"},
    Explanation{C::ip6_frag_drop_timeout, dropped, "incomplete IPv6 datagram timed out",
                "RFC 8200 §4.5 (60 s); Linux ip6frag_time (60 s)"},
    Explanation{C::ip6_frag_drop_memory, dropped, "incomplete IPv6 datagram evicted for memory",
                "Linux ip6frag_high_thresh"},
    Explanation{C::ip6_frag_drop_bad, dropped,
                "fragment conflicting with its datagram's end, empty, or mixing not-ECT with ECT",
                "RFC 8200 §4.5; RFC 3168 §5.3; Linux ip6_frag_queue"},
    Explanation{C::ip6_frag_drop_mtu_too_small, dropped, "reply larger than the MTU, which leaves no room to fragment it",
                "RFC 8200 §5 (1280); Linux ip6_fragment fail_toobig"},
    // ICMP
    Explanation{C::icmp_drop_truncated, dropped, "ICMP message shorter than 8 bytes", "RFC 792; Linux icmp_rcv"},
    Explanation{C::icmp_drop_bad_checksum, dropped, "ICMP checksum wrong", "RFC 792, RFC 1071; Linux icmp_rcv"},
    Explanation{C::icmp_drop_echo_ignored, dropped, "echo request ignored by policy",
                "Linux net.ipv4.icmp_echo_ignore_all=1 (--icmp-echo-ignore-all)"},
    Explanation{C::icmp_drop_echo_broadcast, dropped, "echo request to a broadcast or multicast address",
                "RFC 1122 §3.2.2.6 allows silence; Linux icmp_echo_ignore_broadcasts=1"},
    Explanation{C::icmp_drop_timestamp_broadcast, dropped, "timestamp request to a broadcast or multicast address",
                "RFC 1122 §3.2.2.8; Linux icmp_echo_ignore_broadcasts=1"},
    Explanation{C::icmp_drop_unhandled_type, dropped, "an ICMP type a host receives but does not answer",
                "RFC 792; RFC 1122 §3.2.2: unknown types are silently discarded"},
    Explanation{C::icmp_drop_reply_rate_limited, dropped, "request unanswered: its reply was over the ICMP rate limit",
                "Linux icmp_ratelimit, icmp_ratemask, icmp_msgs_per_sec"},
    Explanation{C::icmp_drop_options_no_room, dropped, "no reply: the request's IP options cannot be echoed",
                "RFC 1122 §3.2.2.6; Linux ip_options_echo"},
    Explanation{C::icmp_drop_timestamp_short, dropped, "timestamp request without an originate timestamp (under 12 bytes)",
                "RFC 792 timestamp; Linux icmp_timestamp needs the 4 originate bytes"},
    Explanation{C::icmp_drop_broadcast_type, dropped, "an ICMP type not accepted to a broadcast address",
                "RFC 1122 §3.2.2.6, §3.2.2.8; Linux icmp_rcv: echo, timestamp and address mask only"},
    Explanation{C::icmp_echo_replies_sent, answered, "echo request", "RFC 792 echo; RFC 1122 §3.2.2.6"},
    Explanation{C::icmp_timestamp_replies_sent, answered, "timestamp request", "RFC 792 timestamp; RFC 1122 §3.2.2.8"},
    Explanation{C::icmp_errors_sent, answered, "ICMP error", "RFC 792; RFC 1122 §3.2.2"},
    Explanation{C::icmp_errors_rate_limited, consumed, "ICMP error not sent: over the rate limit",
                "Linux icmp_ratelimit and icmp_msgs_per_sec"},
    Explanation{C::icmp_errors_suppressed, consumed,
                "no ICMP error: never about an ICMP error, a later fragment or a broadcast", "RFC 1122 §3.2.2"},
    // IPv6 and ICMPv6
    Explanation{C::ipv6_drop_disabled, dropped, "IPv6 is off: no address of ours, or a link MTU below 1280",
                "RFC 8200 §5: IPv6 needs 1280; Linux addrconf takes IPv6 off such a link"},
    Explanation{C::ipv6_drop_truncated, dropped, "IPv6 datagram shorter than its header or its payload length",
                "RFC 8200 §3; Linux ip6_rcv_core (INTRUNCATEDPKTS)"},
    Explanation{C::ipv6_drop_bad_version, dropped, "IP version is not 6", "RFC 8200 §3; Linux ip6_rcv_core"},
    Explanation{C::ipv6_drop_loopback, dropped, "loopback source or destination arriving from the link",
                "RFC 4291 §2.5.3; Linux ip6_rcv_core"},
    Explanation{C::ipv6_drop_bad_multicast_scope, dropped, "to a multicast group of reserved (0) or interface-local (1) scope",
                "RFC 4291 §2.7 and erratum 3480; Linux ip6_rcv_core"},
    Explanation{C::ipv6_drop_multicast_source, dropped, "source is a multicast address", "RFC 4291 §2.7; Linux ip6_rcv_core"},
    Explanation{C::ipv6_drop_not_for_us, dropped, "not one of our addresses nor a group we joined, and a host does not forward",
                "RFC 8200 §1 (nodes that are not routers); Linux forwarding=0"},
    Explanation{C::ipv6_drop_bad_ext_header, dropped, "an extension header runs past the datagram",
                "RFC 8200 §4; Linux INHDRERRORS"},
    Explanation{C::ipv6_drop_bad_options, dropped,
                "malformed options: a length past its header, more than 8 options, more than 7 bytes of padding",
                "RFC 8200 §4.2, RFC 4942 §2.1.9.5; Linux ip6_parse_tlv, max_hbh_opts_cnt/max_dst_opts_cnt"},
    Explanation{C::ipv6_drop_unknown_option, dropped,
                "an unrecognised option whose two high bits say discard (10 and 11 also answer a parameter problem)",
                "RFC 8200 §4.2; Linux ip6_tlvopt_unknown"},
    Explanation{C::ipv6_drop_bad_header_field, dropped, "an erroneous header field; answered with parameter problem code 0",
                "RFC 4443 §3.4; Linux ipv6_hop_jumbo"},
    Explanation{C::ipv6_drop_routing_header, dropped,
                "routing header refused: type 0 or unknown with segments left (parameter problem), or types 2-4",
                "RFC 5095 §3, RFC 8200 §4.4; Linux ipv6_rthdr_rcv (seg6_enabled=0, rpl_seg_enabled=0)"},
    Explanation{C::ipv6_drop_unknown_next_header, dropped, "a next header this host does not speak; parameter problem code 1 sent",
                "RFC 8200 §4; RFC 4443 §3.4; Linux ip6_protocol_deliver_rcu"},
    Explanation{C::ipv6_drop_no_next_header, dropped, "next header 59: nothing follows", "RFC 8200 §4.7"},
    Explanation{C::ipv6_drop_chain_too_long, dropped, "more than 16 extension headers before the upper layer",
                "tapstack's bound (RFC 8200 §4.1 allows 7 kinds); Linux walks any number (docs/conformance.md)"},
    Explanation{C::ipv6_drop_udp_zero_checksum, dropped, "UDP over IPv6 with checksum 0",
                "RFC 8200 §8.1: the checksum is mandatory; Linux udp6_csum_init"},
    Explanation{C::ipv6_drop_no_route, dropped, "the reply's destination is not on-link (fe80::/64 or our prefixes), and there is no router",
                "RFC 4861 §5.2 with no default router; Linux: no route, nothing sent"},
    Explanation{C::icmp6_drop_truncated, dropped, "ICMPv6 message shorter than 8 bytes", "RFC 4443 §2.1; Linux icmpv6_rcv"},
    Explanation{C::icmp6_drop_bad_checksum, dropped, "ICMPv6 checksum wrong (it covers the IPv6 pseudo-header)",
                "RFC 4443 §2.3; Linux icmpv6_rcv"},
    Explanation{C::icmp6_drop_echo_ignored, dropped, "echo request ignored by policy", "Linux net.ipv6.icmp.echo_ignore_all=1"},
    Explanation{C::icmp6_drop_echo_multicast, dropped, "echo request to a multicast group ignored by policy",
                "Linux net.ipv6.icmp.echo_ignore_multicast=1"},
    Explanation{C::icmp6_drop_reply_rate_limited, dropped, "request unanswered: its reply was over the ICMPv6 rate limit",
                "RFC 4443 §2.4 (f); Linux net.ipv6.icmp.ratelimit, ratemask, icmp_msgs_per_sec"},
    Explanation{C::icmp6_drop_unhandled_type, dropped, "an ICMPv6 type a host receives but does not answer",
                "RFC 4443 §2.4 (a, b): unknown informational messages are discarded, errors go to the upper layer"},
    Explanation{C::icmp6_echo_replies_sent, answered, "ICMPv6 echo request", "RFC 4443 §4.2"},
    Explanation{C::icmp6_errors_sent, answered, "ICMPv6 error", "RFC 4443 §3; Linux icmp6_send"},
    Explanation{C::icmp6_errors_rate_limited, consumed, "ICMPv6 error not sent: over the rate limit",
                "RFC 4443 §2.4 (f); Linux net.ipv6.icmp.ratelimit and icmp_msgs_per_sec"},
    Explanation{C::icmp6_errors_suppressed, consumed,
                "no ICMPv6 error: never about an error or a redirect, to a group (but the exceptions), or to ::",
                "RFC 4443 §2.4 (e); Linux icmp6_send"},
    // Path MTU
    Explanation{C::pmtu_drop_not_ours, dropped, "fragmentation needed that does not quote a datagram of ours",
                "RFC 5927 §4.1: check the quoted header; Linux acts only on its echo replies' quotes"},
    Explanation{C::pmtu_drop_larger, dropped, "fragmentation needed reporting an MTU above the one in use",
                "RFC 1191 §6.1; Linux __ip_rt_update_pmtu ignores it"},
    Explanation{C::pmtu_drop_locked, dropped, "fragmentation needed for a path already floored at min_pmtu",
                "Linux route.min_pmtu locks the entry until route.mtu_expires"},
    Explanation{C::pmtu_learned, consumed, "a smaller path MTU learned for that destination",
                "RFC 1191 §3; RFC 1122 §3.2.2.1; Linux __ip_rt_update_pmtu"},
    Explanation{C::pmtu_floored, consumed, "the reported MTU was below min_pmtu: 552 used instead",
                "Linux net.ipv4.route.min_pmtu (--min-pmtu)"},
    Explanation{C::igmp_in, consumed, "IGMP consumed silently: no multicast group joined",
                "RFC 1112, RFC 3376; Linux igmp_rcv"},
    // UDP and TCP
    Explanation{C::udp_drop_malformed, dropped, "UDP length or checksum wrong", "RFC 768; RFC 1122 §4.1.3.4"},
    Explanation{C::udp_port_unreachable, answered, "UDP to a closed port",
                "RFC 1122 §4.1.3.1: port unreachable (RFC 792 code 3)"},
    Explanation{C::tcp_drop_malformed, dropped, "TCP header length or checksum wrong", "RFC 9293 §3.1; Linux tcp_v4_rcv"},
    Explanation{C::tcp_drop_reset, dropped, "a reset to a closed port is never answered",
                "RFC 9293 §3.10.7.1"},
    Explanation{C::tcp_resets_sent, answered, "TCP segment to a closed port",
                "RFC 9293 §3.10.7.1: a closed port answers with a reset"},
};

// "(rule)" of the first entry of fate among moved, or "".
std::string rules_of(const std::vector<Explanation>& moved, Fate fate) {
  std::string out;
  for (const Explanation& e : moved) {
    if (e.fate != fate) continue;
    out += out.empty() ? " (" : "; ";
    out += e.rule;
  }
  if (!out.empty()) out += ")";
  return out;
}

std::string joined(std::span<const std::string> lines) {
  std::string out;
  for (const std::string& s : lines) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string_view fate_name(Fate fate) {
  switch (fate) {
    case dropped: return "dropped";
    case held: return "held";
    case answered: return "answered";
    case consumed: return "consumed";
  }
  return "?";
}

std::optional<Explanation> explanation_of(Counter counter) {
  const auto it = std::ranges::find(kExplanations, counter, &Explanation::counter);
  if (it == kExplanations.end()) return std::nullopt;
  return *it;
}

std::string explain_outcome(const Counters& before, const Counters& after, std::size_t held_before,
                            std::size_t held_after, std::span<const std::string> sent) {
  std::vector<Explanation> moved;
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    const auto c = static_cast<Counter>(i);
    if (after[c] == before[c]) continue;
    if (const auto e = explanation_of(c)) moved.push_back(*e);
  }
  const auto has = [&](Fate f) { return std::ranges::any_of(moved, [f](const Explanation& e) { return e.fate == f; }); };
  const auto whats = [&](Fate f) {
    std::string out;
    for (const Explanation& e : moved)
      if (e.fate == f) out += (out.empty() ? "" : "; ") + std::string(e.what);
    return out;
  };

  std::string out;
  if (has(dropped)) {
    out = "dropped: " + whats(dropped) + rules_of(moved, dropped);
    if (!sent.empty()) out += "; sent " + joined(sent);
  } else if (held_after > held_before) {
    // The first datagram to a neighbour sends the ARP request; the next ones only wait for it.
    const Explanation arp = *explanation_of(Counter::arp_requests_sent);
    out = "held for ARP: " + std::string(arp.what) + " (" + std::string(arp.rule) + ")";
    if (!sent.empty()) out += "; sent " + joined(sent);
  } else if (has(held) && !has(answered)) {
    out = "held: " + whats(held) + rules_of(moved, held);
  } else if (!sent.empty()) {
    out = "answered: " + joined(sent) + rules_of(moved, answered);
  } else if (has(consumed)) {
    out = "consumed: " + whats(consumed) + rules_of(moved, consumed);
  } else {
    out = "ignored: no rule of this stack acts on it";
  }
  // A conflict matters whatever else the frame did.
  if (after[Counter::arp_conflicts] != before[Counter::arp_conflicts] && !out.starts_with("consumed"))
    out += "; " + std::string(explanation_of(Counter::arp_conflicts)->what);
  return out;
}

}  // namespace tapstack
