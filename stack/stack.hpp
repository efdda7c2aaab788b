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
#include "stack/neighbour_cache.hpp"
#include "stack/reassembly.hpp"
#include "stack/stack_events.hpp"
#include "stack/time.hpp"

#include <array>
#include <optional>
#include <vector>

namespace tapstack {

struct ArpPacket;
class IcmpView;

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
  // What is still pending (read-only): frames held waiting on ARP, datagrams incomplete in
  // reassembly. Timers resolve both (see next_deadline()).
  std::size_t held_frames() const { return held_.size(); }
  std::size_t incomplete_datagrams() const { return reassembler_.incomplete(); }

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
  void on_udp(const Inbound& in, Instant now);
  void on_tcp(const Inbound& in, Instant now);

  // ICMP output (stack_icmp.cpp). An error about offender (RFC 1122 §3.2.2), unless the rules
  // or the rate limit forbid one.
  void send_icmp_error(const Offender& offender, IcmpType type, std::uint8_t code, std::uint32_t info, Instant now);
  // The options a reply to this header must carry (RFC 1122 §3.2.2.6, Linux ip_options_echo),
  // written to reply_options_; nullopt when they cannot be built and Linux sends nothing.
  std::optional<std::size_t> echo_options(Bytes header, const ReceivedOptions& options, Ipv4Addr dst, Instant now);
  bool rate_allows(IcmpType type, std::uint8_t code, Ipv4Addr dst, Instant now);
  // Writes the IP header of an ICMP message to dst (with options_len bytes of reply_options_)
  // into tx_ and returns the room for the message; finish_icmp() checksums and sends it,
  // send_icmp() sends a message whose checksum is already right.
  MutableBytes start_icmp(Ipv4Addr dst, std::uint8_t tos, std::size_t options_len, std::size_t icmp_len);
  void finish_icmp(MutableBytes message, Instant now);
  void send_icmp(MutableBytes message, Instant now);
  std::uint32_t ms_since_midnight_utc(Instant now) const;

  // Output (stack_output.cpp). A datagram is built in tx_ after the link header's room, so the
  // Ethernet header goes in front of it without moving it.
  MutableBytes datagram_buffer();
  void send_datagram(std::size_t len, Instant now);
  void send_on_link(MutableBytes frame, Instant now);  // frame: Ethernet room + one datagram that fits
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
  Reassembler reassembler_;
  IcmpRateLimiter rate_limiter_;
  std::vector<std::byte> tx_;       // the datagram being sent, with link headroom and padding room
  std::vector<std::byte> frag_tx_;  // one fragment of it at a time, with link headroom
  std::vector<std::byte> arp_tx_;   // ARP frames: built while tx_ may hold a datagram waiting on them
  std::array<std::byte, kIpv4MaxHeaderLen> rx_header_{};  // a received header, options processed
  std::array<std::byte, kMaxOptionsLen> reply_options_{};  // the options of the reply being built
  std::uint16_t ident_ = 0;
  std::optional<Instant> last_defence_;  // RFC 5227 defence rate limit
};

}  // namespace tapstack
