#pragma once
// The sans-IO core: frames and time in, frames out through a sink. It never reads a clock and
// never makes a syscall, so the TAP loop, pcap replay and the tests drive the very same object.
#include "stack/arp.hpp"
#include "stack/bytes.hpp"
#include "stack/config.hpp"
#include "stack/counters.hpp"
#include "stack/frame_sink.hpp"
#include "stack/icmp.hpp"
#include "stack/held_frames.hpp"
#include "stack/neighbour_cache.hpp"
#include "stack/stack_events.hpp"
#include "stack/time.hpp"

#include <optional>
#include <vector>

namespace tapstack {

struct ArpPacket;
class EthernetView;
class IcmpView;
class Ipv4View;

class Stack {
 public:
  Stack(const StackConfig& config, FrameSink& out, StackEvents* events = nullptr);
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // One frame from the link: an Ethernet frame in TAP mode, an IPv4 datagram in TUN mode.
  void on_frame(Bytes frame, Instant now);
  // Runs every timer due at or before now (ARP retries and expiry, reassembly timeouts).
  void on_timer(Instant now);
  // When on_timer next has work; nullopt when nothing is pending.
  std::optional<Instant> next_deadline() const;
  // A gratuitous ARP request announcing our address (RFC 5227 §2.3); no-op in TUN mode.
  void announce(Instant now);

  const StackConfig& config() const;
  const Counters& counters() const;
  const NeighbourCache& neighbours() const;

 private:
  // How the frame reached us at the link layer (Linux's skb->pkt_type).
  enum class LinkCast { host, broadcast, multicast };

  // Input, one layer per file: stack_arp.cpp, stack_ipv4.cpp, stack_icmp.cpp.
  void on_arp(const EthernetView& eth, LinkCast cast, Instant now);
  void on_arp_conflict(const ArpPacket& arp, Instant now);
  void on_ipv4(Bytes packet, LinkCast cast, Instant now);
  void on_icmp(const Ipv4View& ip, bool to_broadcast, Instant now);
  void reply_echo(const Ipv4View& ip, const IcmpView& icmp, Instant now);
  void reply_timestamp(const Ipv4View& ip, const IcmpView& icmp, Instant now);
  void on_udp(const Ipv4View& ip, bool to_broadcast, Instant now);
  void on_tcp(const Ipv4View& ip, bool to_broadcast, Instant now);
  // An ICMP error about offending (RFC 1122 §3.2.2), unless the rules forbid one.
  // quote: the start of the offending datagram as Linux holds it (UDP trims to its length).
  void send_icmp_error(const Ipv4View& offending, Bytes quote, bool to_broadcast, IcmpType type, std::uint8_t code,
                       std::uint32_t info, Instant now);

  // Output (stack_output.cpp). A datagram is built in tx_ after kLinkHeadroom bytes, so the
  // Ethernet header can be put in front of it without moving it.
  MutableBytes datagram_buffer();
  void send_datagram(std::size_t len, Instant now);
  void send_arp(ArpOp op, MacAddr eth_dst, MacAddr target_mac, Ipv4Addr target_ip, Instant now);
  void emit_to(MutableBytes frame, MacAddr dst, Instant now);  // frame includes its Ethernet header
  void emit(MutableBytes frame, Instant now);                  // pads and hands to the sink
  void act_on(const NeighbourAction& action, Instant now);
  std::uint16_t next_ident() { return ident_++; }

  StackConfig config_;
  FrameSink& out_;
  StackEvents* events_;
  Counters counters_;
  NeighbourCache neighbours_;
  HeldFrames held_;
  std::vector<std::byte> tx_;      // the datagram being sent, with link headroom and padding room
  std::vector<std::byte> arp_tx_;  // ARP frames: built while tx_ may hold a datagram waiting on them
  std::uint16_t ident_ = 0;
  std::optional<Instant> last_defence_;  // RFC 5227 defence rate limit
};

}  // namespace tapstack
