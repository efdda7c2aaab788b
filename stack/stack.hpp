#pragma once
// The sans-IO core: frames and time in, frames out through a sink. It never reads a clock and
// never makes a syscall, so the TAP loop, pcap replay and the tests drive the very same object.
#include "stack/wire/arp.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/config.hpp"
#include "stack/counters.hpp"
#include "stack/frame_sink.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/held_frames.hpp"
#include "stack/icmp_rate_limiter.hpp"
#include "stack/wire/ip_options.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/wire/ipv6.hpp"
#include "stack/wire/ndp.hpp"
#include "stack/neighbour_cache.hpp"
#include "stack/owned_ipv6_address.hpp"
#include "stack/path_mtu_table.hpp"
#include "stack/reassembly.hpp"
#include "stack/reassembly6.hpp"
#include "stack/stack_events.hpp"
#include "stack/time.hpp"
#include "stack/timer_watch.hpp"
#include "stack/tx_buffer.hpp"
#include "stack/wire/addr.hpp"
#include "stack/wire/ethernet.hpp"

#include <array>
#include <optional>
#include <span>
#include <vector>

namespace tapstack {

struct ArpPacket;
class IcmpView;

class Stack {
 public:
  // Throws StackConfigError for a config config_error() refuses.
  Stack(const StackConfig& config, FrameSink& out, StackEvents* events = nullptr);
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // One frame from the link: an Ethernet frame in TAP mode, an IPv4 datagram in TUN mode.
  void on_frame(Bytes frame, Instant now);
  // Runs every timer due at or before now (ARP retries and expiry, reassembly timeouts).
  void on_timer(Instant now);
  // When on_timer next may have work, never later than it does (it may be earlier, after a timer
  // was cancelled or pushed back: on_timer then finds nothing due); nullopt when nothing is
  // pending. Asked around every frame, so a load: the sources report the deadlines they set to
  // one TimerWatch (stack/timer_watch.hpp), and on_timer recomputes it.
  std::optional<Instant> next_deadline() const { return timers_.earliest(); }
  // The exact earliest deadline, walked over every timer source: what on_timer recomputes
  // next_deadline() from. Not for the hot path; tests compare the two.
  std::optional<Instant> exact_next_deadline() const;
  // A gratuitous ARP request announcing our address (RFC 5227 §2.3); no-op in TUN mode.
  void announce(Instant now);

  const StackConfig& config() const;
  const Counters& counters() const;
  const NeighbourCache& neighbours() const;
  // NDP's neighbour table (Linux's nd_tbl), and our IPv6 addresses with their DAD state, in
  // configuration order with the link-local address last (stack_ndp.cpp).
  const NeighbourTable<Ipv6Addr>& neighbours6() const { return neighbours6_; }
  std::span<const OwnedIpv6Address> ipv6_addresses() const { return ipv6_addresses_; }
  // What "fragmentation needed" taught us, per destination (listed beside the neighbours).
  const PathMtuTable& path_mtus() const { return path_mtus_; }
  // What is still pending (read-only): frames held waiting on ARP, datagrams incomplete in
  // reassembly. Timers resolve both (see next_deadline()).
  std::size_t held_frames() const { return held_.size(); }
  std::size_t incomplete_datagrams() const { return reassembler_.incomplete() + reassembler6_.incomplete(); }

 private:
  // How the frame reached us at the link layer (Linux's skb->pkt_type).
  enum class LinkCast { host, broadcast, multicast };

  // A datagram for us, whole (reassembled if it came in fragments), with its options processed.
  struct Inbound {
    Ipv4View ip;               // as parsed (its header holds the options as they arrived)
    Bytes header;              // the header with options as processed (Linux rewrites them in place)
    ReceivedOptions options;   // what option processing left for building replies
    bool to_broadcast = false; // a broadcast or multicast destination
  };
  // What an ICMP error quotes and answers: header and payload as Linux holds them by then.
  struct Offender {
    Bytes header;
    Bytes payload;
    ReceivedOptions options;
    bool to_broadcast = false;
  };
  static Offender offender(const Inbound& in, Bytes payload) { return {in.header, payload, in.options, in.to_broadcast}; }

  // Whether a datagram we send may be fragmented, which decides its identification too
  // (RFC 791 §3.2, RFC 6864 §4).
  enum class Fragmentation {
    allowed,    // DF clear and the next identification: Linux's ICMP socket (IP_PMTUDISC_DONT)
    forbidden,  // DF set and identification 0, an atomic datagram: Linux's TCP control socket
  };
  // A datagram a handler sends: what dispatch_ip() needs to build its header. Its payload is
  // what the handler wrote into tx_ (TxBuffer::start); its source is always our address.
  struct Outbound {
    Ipv4Addr dst;
    IpProtocol protocol{};
    std::uint8_t tos = 0;
    std::uint8_t ttl = kDefaultTtl;
    Fragmentation fragmentation = Fragmentation::allowed;
    Bytes options{};  // a reply's options, from echo_options()
  };

  // Input, one layer per file: stack_arp.cpp, stack_ipv4.cpp, stack_icmp.cpp, stack_transport.cpp.
  void on_arp(Bytes packet, LinkCast cast, Instant now);
  void on_arp_conflict(const ArpPacket& arp, Instant now);
  void on_ipv4(Bytes packet, LinkCast cast, Instant now);
  void on_fragment(const Ipv4View& ip, Bytes header, const ReceivedOptions& options, bool to_broadcast, Instant now);
  void expire_fragments(Instant now);
  void deliver(const Inbound& in, Instant now);
  void on_icmp(const Inbound& in, Instant now);
  void reply_echo(const Inbound& in, const IcmpView& icmp, Instant now);
  void reply_timestamp(const Inbound& in, const IcmpView& icmp, Instant now);
  void on_frag_needed(const IcmpView& icmp, Instant now);
  void on_udp(const Inbound& in, Instant now);
  void on_tcp(const Inbound& in, Instant now);

  // ICMP output (stack_icmp.cpp). An error about offender (RFC 1122 §3.2.2), unless the rules
  // or the rate limit forbid one.
  void send_icmp_error(const Offender& offender, IcmpType type, std::uint8_t code, std::uint32_t info, Instant now);
  // The options a reply to this header must carry (RFC 1122 §3.2.2.6, Linux ip_options_echo),
  // built in reply_options_; nullopt when they cannot be built and Linux sends nothing. Most
  // datagrams have none, so that answer is inline.
  std::optional<Bytes> echo_options(Bytes header, const ReceivedOptions& options, Instant now) {
    if (options.optlen == 0) return Bytes{};
    return build_echo_options(header, options, now);
  }
  std::optional<Bytes> build_echo_options(Bytes header, const ReceivedOptions& options, Instant now);
  // Whether the rate limit lets this message go; counts if_limited when it does not.
  bool rate_allows(IcmpType type, std::uint8_t code, Ipv4Addr dst, Counter if_limited, Instant now);
  // Sends the ICMP message in tx_, its checksum already right, to dst.
  void send_icmp(Ipv4Addr dst, std::uint8_t tos, Bytes options, Instant now);
  std::uint32_t ms_since_midnight_utc(Instant now) const;

  // Output (stack_output.cpp). A handler writes its payload into tx_ and hands dispatch_ip() the
  // Outbound that describes it; dispatch_ip() alone builds the IP header, fragments, resolves
  // the neighbour (holding the datagram while ARP runs) and hands each datagram to the link,
  // where send_ethernet() puts the header with the resolved MAC in front and emit() gives the
  // sink the frame its TxBuffer padded. ARP goes out through send_ethernet() too.
  void dispatch_ip(const Outbound& datagram, TxBuffer& packet, Instant now);  // packet: the payload
  void send_fragments(Ipv4Addr next_hop, const TxBuffer& datagram, std::uint16_t mtu, Instant now);  // one over mtu
  void send_to_neighbour(Ipv4Addr next_hop, TxBuffer& datagram, Instant now);     // one that fits it
  void send_ethernet(MacAddr dst, EtherType type, TxBuffer& packet, Instant now);
  void send_arp(ArpOp op, MacAddr eth_dst, MacAddr target_mac, Ipv4Addr target_ip, Instant now);
  void emit(TxBuffer& packet, Instant now) {
    counters_.add(Counter::frames_out);
    out_.emit(packet.frame(), now);
  }
  void act_on(const NeighbourAction& action, Instant now);
  std::uint16_t next_ident() { return ident_++; }

  // ---- NDP and DAD (stack_ndp.cpp; RFC 4861, RFC 4862 §5.4) ----------------------------------
  static std::vector<OwnedIpv6Address> owned_ipv6(const StackConfig& config);
  // The owned address a, in any state; null when a is not ours.
  const OwnedIpv6Address* find_ipv6(const Ipv6Addr& a) const;
  // Whether a is one of our addresses that may receive and send: preferred (a tentative address
  // accepts nothing, RFC 4862 §5.4; a duplicate one is never used).
  bool is_our_ipv6(const Ipv6Addr& a) const {
    const OwnedIpv6Address* owned = find_ipv6(a);
    return owned != nullptr && owned->state == Ipv6AddressState::preferred;
  }
  // Output to an IPv6 next hop (the IPv6 output path's last step): a multicast next hop goes to
  // its 33:33 group MAC; a unicast one through neighbours6_, held while NDP resolves it.
  void send_to_neighbour6(const Ipv6Addr& next_hop, TxBuffer& datagram, Instant now);
  void act_on(const NeighbourAction6& action, Instant now);
  void ndp_on_timer(Instant now);
  // The NDP table's deadline and the DAD probes' (a walk over our few addresses): asked only
  // when on_timer recomputes the watch, never per frame.
  std::optional<Instant> ndp_next_deadline() const;
  // The one place a DAD probe or verdict is scheduled (reported to timers_ as every source's).
  void set_dad_due(std::size_t index, Instant at) {
    dad_[index].due = at;
    timers_.timer_set(at);
  }
  // A neighbour discovery or MLD message (ICMPv6 types 130-137, 143) that passed the IPv6 and
  // ICMPv6 checks; on_ndp (v6core's ICMPv6 input calls it) hands it here.
  void on_nd_message(const Ipv6View& ip, const Icmpv6View& icmp, bool to_multicast, Instant now);
  void on_neighbour_solicitation(const Ipv6View& ip, Bytes body, Instant now);
  void on_neighbour_advertisement(Bytes body, bool to_multicast, Instant now);
  // DAD (RFC 4862 §5.4): announce() starts it, the timer sends the probes and decides.
  void start_dad(Instant now);
  void dad_on_timer(Instant now);
  void dad_failed(std::size_t index, MacAddr other, Instant now);
  void send_dad_probe(std::size_t index, Instant now);
  // The gratuitous ARP request of announce() alone (what an ARP conflict defends with).
  void announce_arp(Instant now);
  // NDP output: an NS or NA built in its own buffer (ns_tx_, na_tx_: an NS may be built while
  // an NA waits on that very resolution), hop limit 255 (RFC 4861 §7.1). eth_dst: the MAC to
  // send to; nullopt sends through send_to_neighbour6 (a multicast dst needs none).
  void send_solicitation(const NeighbourSolicitation& ns, const Ipv6Addr& src, const Ipv6Addr& dst,
                         std::optional<MacAddr> eth_dst, Instant now);
  void send_advertisement(const NeighbourAdvertisement& na, const Ipv6Addr& src, const Ipv6Addr& dst, Instant now);
  std::optional<Ipv6Addr> preferred_link_local() const;
  // The target link-layer option our NAs carry: our MAC, none on a TUN.
  std::optional<MacAddr> our_link_address() const;
  void send_nd(TxBuffer& message, const Ipv6Addr& src, const Ipv6Addr& dst, std::optional<MacAddr> eth_dst, Instant now);

  // ---- IPv6 input, ICMPv6, transport over IPv6 and the IPv6 output path (v6core) ------------
  // stack_ipv6.cpp, stack_icmpv6.cpp, stack_transport.cpp, stack_output.cpp.

  // A datagram for us whose extension headers have been walked: what the upper layer gets.
  struct Inbound6 {
    Ipv6View ip;                 // the datagram (reassembled, if it came in fragments)
    IpProtocol protocol{};       // the upper-layer protocol the chain ended at
    std::size_t payload_at = 0;  // where that protocol's header starts in ip.datagram()
    std::size_t next_header_at = ipv6_field::next_header;  // the field that named it
    bool to_multicast = false;   // a multicast destination, or a frame to a link-layer group
    Bytes payload() const { return ip.datagram().subspan(payload_at); }
  };
  // What an ICMPv6 error is about: the offending datagram from its IPv6 header (as much of it as
  // fits is quoted), and whether it went to a group (RFC 4443 §2.4 e.3).
  struct Offender6 {
    Bytes datagram;
    bool to_multicast = false;
  };
  static Offender6 offender6(const Inbound6& in) { return {in.ip.datagram(), in.to_multicast}; }

  // A datagram a handler sends: what dispatch_ipv6() needs to build its header. The handler
  // chose the source (the checksum it computed covers it) and wrote the payload into tx_.
  struct Outbound6 {
    Ipv6Addr src;
    Ipv6Addr dst;
    IpProtocol next_header{};
    std::uint8_t traffic_class = 0;
    std::optional<std::uint8_t> hop_limit{};  // nullopt: config.icmpv6.hop_limit; NDP sends 255
  };

  void on_ipv6(Bytes packet, LinkCast cast, Instant now);
  // Whether we accept a datagram to dst: one of our addresses, all-nodes, or the solicited-node
  // group of one of ours (Linux's ipv6_chk_addr and ipv6_chk_mcast_addr for the groups we join).
  bool accepts_ipv6_destination(const Ipv6Addr& dst) const;
  // The walk from the first header after the fixed one (or from behind a Fragment header once
  // the datagram is whole), then delivery to the upper layer.
  void walk_and_deliver6(const Ipv6View& ip, Ipv6ChainStart from, LinkCast cast, Instant now);
  // Counts (and answers, where Linux does) a walk that ended short of an upper layer.
  void on_chain_end6(const Ipv6View& ip, const Ipv6Chain& chain, bool to_multicast, Instant now);
  // The Fragment header at chain.offset: the reassembler's (v6frag). Until it is wired in, a
  // fragment is counted and dropped.
  void on_fragment6(const Ipv6View& ip, const Ipv6Chain& chain, LinkCast cast, Instant now);
  void deliver6(const Inbound6& in, Instant now);
  void on_icmpv6(const Inbound6& in, Instant now);
  void reply_echo6(const Inbound6& in, const Icmpv6View& icmp, Instant now);
  void on_udp6(const Inbound6& in, Instant now);
  void on_tcp6(const Inbound6& in, Instant now);
  // Neighbour discovery and MLD (types 130-137, 143): v6ndp's, in stack_ndp.cpp.
  void on_ndp(const Inbound6& in, const Icmpv6View& icmp, Instant now);

  // An error about offender (RFC 4443 §2.4), unless the rules or the rate limit forbid one.
  void send_icmpv6_error(const Offender6& offender, Icmpv6Type type, std::uint8_t code, std::uint32_t info, Instant now);
  // Whether the rate limit lets this message to dst go; counts if_limited when it does not.
  bool rate_allows6(Icmpv6Type type, const Ipv6Addr& dst, std::uint8_t route_prefix_len, Counter if_limited, Instant now);

  // Source address selection (RFC 6724 §5, as Linux's ipv6_dev_get_saddr() picks among the
  // addresses of one interface): nullopt when we have no address to send to dst from.
  std::optional<Ipv6Addr> select_source6(const Ipv6Addr& dst) const;
  // The prefix length of the on-link route dst is on (ICMPv6's rate limit scales by it);
  // nullopt when dst is not on-link, which a host without a router cannot reach.
  std::optional<std::uint8_t> on_link_prefix6(const Ipv6Addr& dst) const;
  // Builds the IPv6 header in front of packet (the payload), checks the destination is on-link
  // and hands the datagram to the neighbour layer (send_to_neighbour6, v6ndp's).
  void dispatch_ipv6(const Outbound6& datagram, TxBuffer& packet, Instant now);

  StackConfig config_;
  FrameSink& out_;
  StackEvents* events_;
  Counters counters_;
  // Declared before every timer source: each is built with a pointer to it.
  TimerWatch timers_;
  NeighbourCache neighbours_;
  HeldFrames held_;
  Reassembler reassembler_;
  IcmpRateLimiter rate_limiter_;
  PathMtuTable path_mtus_;
  TxBuffer tx_;       // the datagram being sent: the payload first, then its headers in front
  TxBuffer frag_tx_;  // one fragment of it at a time
  TxBuffer arp_tx_;   // ARP packets: built while tx_ may hold a datagram waiting on them
  std::array<std::byte, kIpv4MaxHeaderLen> rx_header_{};  // a received header, options processed
  std::array<std::byte, kMaxOptionsLen> reply_options_{};  // the options of the reply being built
  std::uint16_t ident_ = 0;
  std::optional<Instant> last_defence_;  // RFC 5227 defence rate limit

  // NDP and DAD (stack_ndp.cpp)
  NeighbourTable<Ipv6Addr> neighbours6_;
  std::vector<OwnedIpv6Address> ipv6_addresses_;  // sized at construction, never resized
  // DAD's progress per address, beside ipv6_addresses_ (same index): probes sent, and when the
  // next probe (or the verdict after the last) is due; nullopt when DAD is not running.
  struct DadProgress {
    unsigned probes_sent = 0;
    std::optional<Instant> due;
  };
  std::vector<DadProgress> dad_;
  bool dad_started_ = false;  // announce() runs DAD once; a later call (ARP defence) does not restart it
  MacAddr rx_src_mac_;        // the Ethernet source of the frame being handled (whom a conflict names)
  TxBuffer ns_tx_;            // neighbour solicitations
  TxBuffer na_tx_;            // neighbour advertisements

  // ---- IPv6 fragments (stack_ipv6_fragments.cpp, v6frag; RFC 8200 §4.5) ---------------------
  // on_fragment6() (declared above with the IPv6 input) hands a Fragment header to reassembler6_
  // and a whole datagram back to walk_and_deliver6(). Timeouts send time exceeded code 1.
  void expire_fragments6(Instant now);
  // dispatch_ipv6()'s datagram (header built) larger than mtu: one fragment at a time in
  // frag_tx_, each to send_to_neighbour6().
  void send_fragments6(const Ipv6Addr& next_hop, const TxBuffer& datagram, std::size_t mtu, Instant now);
  std::uint32_t next_ident6() { return ident6_++; }

  Reassembler6 reassembler6_;  // a budget of its own, as ip6frag_high_thresh is
  std::uint32_t ident6_ = 0;   // Fragment header identifications
};

}  // namespace tapstack
