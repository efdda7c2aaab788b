#pragma once
// One counter per event and per drop reason, in one list so names and slots cannot drift apart.
// Drops are counted, never logged: the core has no logger.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tapstack {

// X(name, description). Prefix = layer; "drop_" names a reason a frame was discarded. A request
// left unanswered by policy is a drop (icmp_drop_echo_ignored, icmp_drop_reply_rate_limited); an
// ICMP error not sent is not (icmp_errors_suppressed, icmp_errors_rate_limited): the datagram it
// was about is counted already, by the reason it earned the error.
#define TAPSTACK_COUNTERS(X)                                                                     \
  X(frames_in, "frames handed to the stack")                                                    \
  X(frames_out, "frames emitted by the stack")                                                  \
  X(eth_drop_runt, "ethernet: shorter than the 14-byte header")                                \
  X(eth_drop_other_host, "ethernet: unicast to another MAC")                                  \
  X(eth_drop_vlan, "ethernet: VLAN-tagged (802.1Q/802.1ad)")                                    \
  X(eth_drop_llc, "ethernet: 802.3 length field (LLC/SNAP)")                                    \
  X(eth_drop_unknown_type, "ethernet: unknown EtherType")                                       \
  X(arp_in, "arp: packets received")                                                            \
  X(arp_drop_truncated, "arp: shorter than its header says")                                    \
  X(arp_drop_bad_hardware, "arp: hardware type/length not Ethernet")                           \
  X(arp_drop_bad_protocol, "arp: protocol type/length not IPv4")                               \
  X(arp_drop_bad_op, "arp: opcode neither request nor reply")                                  \
  X(arp_drop_bad_sender, "arp: sender or target is multicast or loopback")                     \
  X(arp_drop_not_for_us, "arp: request for another host's address")                            \
  X(arp_requests_answered, "arp: requests for our address answered")                           \
  X(arp_probes_answered, "arp: RFC 5227 probes for our address answered")                      \
  X(arp_conflicts, "arp: packets claiming our own address")                                    \
  X(arp_requests_sent, "arp: requests sent to resolve a neighbour")                            \
  X(arp_announcements_sent, "arp: gratuitous announcements sent")                             \
  X(arp_cache_learned, "arp: neighbours added to the cache")                                   \
  X(arp_cache_updated, "arp: existing entries updated")                                        \
  X(arp_cache_evicted, "arp: entries evicted to respect the size bound")                       \
  X(arp_cache_expired, "arp: entries expired")                                                 \
  X(arp_resolution_failed, "arp: neighbours that never answered")                              \
  X(arp_drop_unresolved, "arp: queued frames dropped (queue overflow or no answer)")            \
  X(arp_held_sent, "arp: queued datagrams sent once resolved")                                 \
  X(arp_drop_table_full, "arp: datagrams dropped: neighbour table full of entries still resolving") \
  /* NDP (RFC 4861) and DAD (RFC 4862): the nd_ block */                                       \
  X(nd_in, "ndp: NS, NA, RS, RA and redirects received")                                       \
  X(nd_drop_invalid, "ndp: failed RFC 4861 §7.1 validation (hop limit, code, length, options)") \
  X(nd_drop_multicast_target, "ndp: NS or NA whose target is a multicast address")            \
  X(nd_drop_bad_dad, "ndp: NS from :: not to a solicited-node group, or with a source link-layer option") \
  X(nd_drop_not_for_us, "ndp: NS for an address that is not ours")                             \
  X(nd_drop_tentative, "ndp: NS for an address still under DAD: not answered")                 \
  X(nd_drop_unsolicited_na, "ndp: NA for a neighbour not in the table (nothing to update)")    \
  X(nd_drop_router, "ndp: router solicitation, advertisement or redirect (we are a host without routers)") \
  X(nd_drop_mld, "mld: listener query or report (we send no reports)")                         \
  X(nd_solicitations_answered, "ndp: NS for our address answered with an NA")                  \
  X(nd_solicitations_sent, "ndp: NS sent to resolve or probe a neighbour")                     \
  X(nd_cache_learned, "ndp: neighbours added to the table")                                    \
  X(nd_cache_updated, "ndp: existing entries updated")                                         \
  X(nd_cache_evicted, "ndp: entries evicted to respect the size bound")                        \
  X(nd_cache_expired, "ndp: entries expired")                                                  \
  X(nd_resolution_failed, "ndp: neighbours that never answered")                               \
  X(nd_drop_unresolved, "ndp: queued datagrams dropped (queue overflow or no answer)")         \
  X(nd_held_sent, "ndp: queued datagrams sent once resolved")                                  \
  X(nd_drop_table_full, "ndp: datagrams dropped: neighbour table full of entries still resolving") \
  X(nd_dad_probes_sent, "ndp: DAD solicitations sent for a tentative address")                \
  X(nd_dad_duplicates, "ndp: tentative addresses found duplicate (DAD failed)")                \
  X(nd_conflicts, "ndp: NA claiming one of our preferred addresses with another MAC")          \
  X(nd_announcements_sent, "ndp: unsolicited NAs sent after DAD")                              \
  X(ip_in, "ipv4: datagrams received")                                                          \
  X(ip_drop_truncated, "ipv4: shorter than header or total length")                            \
  X(ip_drop_bad_version, "ipv4: version is not 4")                                              \
  X(ip_drop_bad_header_len, "ipv4: IHL below 5 or beyond the datagram")                        \
  X(ip_drop_bad_checksum, "ipv4: header checksum mismatch")                                     \
  X(ip_drop_bad_options, "ipv4: malformed options (answered with parameter problem)")          \
  X(ip_drop_source_route, "ipv4: source-routed (a host does not accept source routes)")        \
  X(ip_drop_martian_source, "ipv4: source is broadcast, multicast, loopback or 0.0.0.0/8")      \
  X(ip_drop_not_for_us, "ipv4: destination is not our address (we do not forward)")           \
  X(ip_drop_bad_link_type, "ipv4: unicast IP in a link-layer broadcast or multicast")          \
  X(ip_drop_unknown_protocol, "ipv4: protocol we do not speak")                                 \
  X(ip_out, "ipv4: datagrams sent")                                                             \
  X(ip_drop_no_route, "ipv4: reply destination not on our subnet")                             \
  X(ip_frag_in, "ipv4: fragments received")                                                     \
  X(ip_frag_reassembled, "ipv4: datagrams reassembled")                                         \
  X(ip_frag_drop_oversize, "ipv4: fragment beyond 65535 bytes (ping of death)")                 \
  X(ip_frag_drop_overlap, "ipv4: overlapping fragment discarded the datagram")                  \
  X(ip_frag_drop_duplicate, "ipv4: fragment repeating data already held")                       \
  X(ip_frag_drop_too_far, "ipv4: datagram restarted: fragments too far apart (ipfrag_max_dist)") \
  X(ip_frag_drop_timeout, "ipv4: incomplete datagrams timed out")                               \
  X(ip_frag_drop_memory, "ipv4: incomplete datagrams evicted for memory")                       \
  X(ip_frag_drop_bad, "ipv4: malformed fragment")                                               \
  X(ip_frags_out, "ipv4: fragments sent")                                                       \
  X(ip_drop_df_too_big, "ipv4: reply larger than the MTU with DF set")                         \
  X(ip6_frag_in, "ipv6: fragments received")                                                   \
  X(ip6_frag_atomic, "ipv6: atomic fragments (offset 0, M clear) taken as whole datagrams")      \
  X(ip6_frag_reassembled, "ipv6: datagrams reassembled")                                        \
  X(ip6_frag_drop_truncated, "ipv6: Fragment header cut short (parameter problem)")              \
  X(ip6_frag_drop_incomplete_chain, "ipv6: first fragment without the upper-layer header (RFC 7112)") \
  X(ip6_frag_drop_bad_length, "ipv6: non-last fragment not a multiple of 8 bytes (parameter problem)") \
  X(ip6_frag_drop_beyond_max, "ipv6: fragment ending beyond 65535 bytes (parameter problem)")  \
  X(ip6_frag_drop_oversize, "ipv6: reassembled payload beyond 65535 bytes")                     \
  X(ip6_frag_drop_overlap, "ipv6: overlapping fragment discarded the datagram (RFC 5722)")      \
  X(ip6_frag_drop_duplicate, "ipv6: fragment repeating data already held")                      \
  X(ip6_frag_drop_timeout, "ipv6: incomplete datagrams timed out")                              \
  X(ip6_frag_drop_memory, "ipv6: incomplete datagrams evicted for memory")                      \
  X(ip6_frag_drop_bad, "ipv6: fragment conflicting with its datagram's end, or ECN mixed")       \
  X(ip6_frags_out, "ipv6: fragments sent")                                                      \
  X(ip6_frag_drop_mtu_too_small, "ipv6: reply not sent: no room to fragment it to the MTU")    \
  X(icmp_in, "icmp: messages received")                                                         \
  X(icmp_drop_truncated, "icmp: shorter than 8 bytes")                                          \
  X(icmp_drop_bad_checksum, "icmp: checksum mismatch")                                          \
  X(icmp_echo_requests, "icmp: echo requests received")                                         \
  X(icmp_echo_replies_sent, "icmp: echo replies sent")                                          \
  X(icmp_drop_echo_ignored, "icmp: echo ignored (icmp_echo_ignore_all)")                        \
  X(icmp_drop_echo_broadcast, "icmp: echo request to broadcast/multicast ignored")              \
  X(icmp_drop_timestamp_broadcast, "icmp: timestamp request to broadcast/multicast ignored")      \
  X(icmp_timestamp_replies_sent, "icmp: timestamp replies sent")                                \
  X(icmp_drop_unhandled_type, "icmp: types we receive but do not answer")                       \
  X(icmp_errors_sent, "icmp: error messages sent")                                              \
  X(icmp_drop_reply_rate_limited, "icmp: request unanswered: its reply was over the rate limit")  \
  X(icmp_errors_rate_limited, "icmp: errors not sent: over the rate limit")                      \
  X(icmp_drop_options_no_room, "icmp: no reply: the request's options cannot be echoed")        \
  X(icmp_drop_timestamp_short, "icmp: timestamp request shorter than 12 bytes")             \
  X(icmp_drop_broadcast_type, "icmp: type not accepted to a broadcast address")                \
  X(icmp_errors_suppressed, "icmp: errors not sent (RFC 1122: about errors, fragments, broadcasts)") \
  X(icmp_frag_needed_in, "icmp: fragmentation needed (type 3 code 4) received")                \
  X(pmtu_drop_not_ours, "pmtu: fragmentation needed not quoting an echo reply of ours (RFC 5927)") \
  X(pmtu_drop_larger, "pmtu: reported MTU above the one in use: ignored (RFC 1191 §6.1)")     \
  X(pmtu_drop_locked, "pmtu: report for a path floored at min_pmtu: ignored until it expires") \
  X(pmtu_learned, "pmtu: destinations given a smaller path MTU")                                \
  X(pmtu_floored, "pmtu: reports below min_pmtu raised to it")                                  \
  X(pmtu_expired, "pmtu: learned MTUs expired (mtu_expires)")                                   \
  X(pmtu_evicted, "pmtu: entries evicted to respect the size bound")                            \
  /* IPv6 input and output, ICMPv6 (RFC 8200, RFC 4443): the ipv6_ and icmp6_ block */        \
  X(ipv6_in, "ipv6: datagrams received")                                                        \
  X(ipv6_drop_disabled, "ipv6: IPv6 is off (no address of ours, or link MTU below 1280)")      \
  X(ipv6_drop_truncated, "ipv6: shorter than the header or its payload length")                \
  X(ipv6_drop_bad_version, "ipv6: version is not 6")                                            \
  X(ipv6_drop_loopback, "ipv6: loopback source or destination from the link")                  \
  X(ipv6_drop_bad_multicast_scope, "ipv6: to a multicast group of scope 0 or 1 (interface-local)") \
  X(ipv6_drop_multicast_source, "ipv6: source is a multicast address")                         \
  X(ipv6_drop_not_for_us, "ipv6: destination is neither ours nor a group we joined (we do not forward)") \
  X(ipv6_drop_bad_ext_header, "ipv6: extension header runs past the payload")                  \
  X(ipv6_drop_bad_options, "ipv6: malformed options: bad length, over 8, over 7 bytes of padding") \
  X(ipv6_drop_unknown_option, "ipv6: unrecognised option whose action bits say discard")       \
  X(ipv6_drop_bad_header_field, "ipv6: erroneous header field (answered with parameter problem)") \
  X(ipv6_drop_routing_header, "ipv6: routing header refused (type 0 with segments left, RFC 5095)") \
  X(ipv6_drop_unknown_next_header, "ipv6: next header we do not speak (parameter problem)")     \
  X(ipv6_drop_no_next_header, "ipv6: next header 59: nothing follows")                          \
  X(ipv6_drop_chain_too_long, "ipv6: more than 16 extension headers")                           \
  X(ipv6_drop_udp_zero_checksum, "ipv6: UDP with checksum 0 (mandatory over IPv6)")             \
  X(ipv6_out, "ipv6: datagrams sent")                                                           \
  X(ipv6_drop_no_route, "ipv6: destination not on-link, or no source address for it")          \
  X(icmp6_in, "icmp6: messages received")                                                       \
  X(icmp6_drop_truncated, "icmp6: shorter than 8 bytes")                                        \
  X(icmp6_drop_bad_checksum, "icmp6: checksum mismatch (over the pseudo-header)")               \
  X(icmp6_echo_requests, "icmp6: echo requests received")                                       \
  X(icmp6_echo_replies_sent, "icmp6: echo replies sent")                                        \
  X(icmp6_drop_echo_ignored, "icmp6: echo ignored (echo_ignore_all)")                           \
  X(icmp6_drop_echo_multicast, "icmp6: echo to a multicast group ignored (echo_ignore_multicast)") \
  X(icmp6_drop_reply_rate_limited, "icmp6: request unanswered: its reply was over the rate limit") \
  X(icmp6_drop_unhandled_type, "icmp6: types we receive but do not answer")                     \
  X(icmp6_errors_sent, "icmp6: error messages sent")                                            \
  X(icmp6_errors_rate_limited, "icmp6: errors not sent: over the rate limit")                   \
  X(icmp6_errors_suppressed, "icmp6: errors not sent (RFC 4443 §2.4 e: about errors, to groups, from ::)") \
  X(igmp_in, "igmp: messages received (consumed silently, as Linux does)")                     \
  X(udp_in, "udp: datagrams to our address")                                                    \
  X(udp_drop_malformed, "udp: bad length or checksum")                                          \
  X(udp_port_unreachable, "udp: datagrams to a closed port")                                   \
  X(tcp_in, "tcp: segments to our address")                                                     \
  X(tcp_drop_malformed, "tcp: bad header length or checksum")                                   \
  X(tcp_drop_reset, "tcp: resets to a closed port (never answered)")                           \
  X(tcp_resets_sent, "tcp: resets sent (no listener)")

enum class Counter : std::size_t {
#define TAPSTACK_COUNTER_ENUM(name, desc) name,
  TAPSTACK_COUNTERS(TAPSTACK_COUNTER_ENUM)
#undef TAPSTACK_COUNTER_ENUM
};

inline constexpr std::size_t kCounterCount = 0
#define TAPSTACK_COUNTER_ONE(name, desc) +1
    TAPSTACK_COUNTERS(TAPSTACK_COUNTER_ONE)
#undef TAPSTACK_COUNTER_ONE
    ;

struct CounterInfo {
  std::string_view name;
  std::string_view description;
  // A reason something received was discarded: the list names those "<layer>_drop_<why>".
  constexpr bool is_drop() const { return name.find("drop_") != std::string_view::npos; }
};

inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo{{
#define TAPSTACK_COUNTER_INFO(name, desc) {#name, desc},
    TAPSTACK_COUNTERS(TAPSTACK_COUNTER_INFO)
#undef TAPSTACK_COUNTER_INFO
}};

class Counters {
 public:
  void add(Counter c, std::uint64_t n = 1) { slots_[static_cast<std::size_t>(c)] += n; }
  std::uint64_t operator[](Counter c) const { return slots_[static_cast<std::size_t>(c)]; }

  // Sum of every drop counter ("*drop*"): what was received and discarded.
  std::uint64_t total_drops() const;

  // Calls f(info, value) for every counter, in declaration order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < kCounterCount; ++i) f(kCounterInfo[i], slots_[i]);
  }

 private:
  std::array<std::uint64_t, kCounterCount> slots_{};
};

}  // namespace tapstack
