// libFuzzer harness for the whole core: one Stack per input, driven through on_frame/on_timer by
// the records of fuzz_input.hpp. ASan and UBSan catch memory and UB errors in the parsers; the
// checks below abort on anything the stack emits or reports that breaks its contract:
//
//  - every emitted frame is well formed: Ethernet from our MAC, type ARP or IPv4, padded to 60
//    bytes and no longer than MTU + 14 (TAP), to broadcast or to a MAC the input showed us (an
//    Ethernet source or ARP sender address: the stack never invents one, e.g. an unresolved
//    neighbour's placeholder); a bare datagram of exactly
//    total_len bytes, at most the MTU (TUN); ARP from our MAC and IP; IPv4 that parses (version,
//    IHL, lengths, header checksum), from our address, TTL > 0, fragments 8-byte aligned; an
//    unfragmented ICMP/UDP/TCP message whose checksum verifies;
//  - frames are stamped with the time of the call that emitted them, and one call emits a
//    bounded number of them;
//  - after on_timer(now), next_deadline() is empty or later than now (otherwise an event loop
//    would spin);
//  - the frames_in/frames_out counters match what the harness fed and saw;
//  - the neighbour cache never holds more than max_entries entries.
//
// Each frame is copied into a heap buffer of exactly its length before on_frame, so reading one
// byte past it is a heap-buffer-overflow, not a silent read of the next record.
#include "describe/describe.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/stack.hpp"
#include "stack/wire/pseudo_header.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

#include "fuzz_input.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>
#include <vector>

namespace tapstack::fuzz {
namespace {

// A 64 KiB reply fragmented at MTU 68 is 1366 frames; held frames released at once are fewer.
constexpr std::size_t kMaxFramesPerCall = 4096;

[[noreturn]] void fail(Bytes frame, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

[[noreturn]] void fail(Bytes frame, const char* fmt, ...) {
  std::fputs("stack_fuzz: invariant violated: ", stderr);
  std::va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  if (!frame.empty()) {
    std::fprintf(stderr, "stack_fuzz: offending frame (%zu bytes):", frame.size());
    for (std::size_t i = 0; i < frame.size() && i < 128; ++i) {
      std::fprintf(stderr, "%s%02x", i % 16 == 0 ? "\n  " : " ", load_u8(frame, i));
    }
    std::fputc('\n', stderr);
  }
  std::abort();
}

long long ns(Instant t) { return static_cast<long long>(to_ns(t)); }

// Checks an emitted IPv4 datagram (exactly total_len bytes).
void check_ipv4(const StackConfig& config, Bytes datagram, Bytes frame) {
  const auto ip = Ipv4View::parse(datagram);
  if (!ip) fail(frame, "emitted IPv4 does not parse (Ipv4Error %d)", static_cast<int>(ip.error()));
  if (ip->datagram().size() != datagram.size()) {
    fail(frame, "emitted IPv4 total_len %u but %zu bytes after the link header", ip->total_len(), datagram.size());
  }
  if (ip->total_len() > config.mtu) fail(frame, "emitted IPv4 total_len %u > MTU %u", ip->total_len(), config.mtu);
  if (ip->src() != config.ip.addr) fail(frame, "emitted IPv4 source %s is not ours", ip->src().to_string().c_str());
  if (ip->ttl() == 0) fail(frame, "emitted IPv4 with TTL 0");
  if ((ip->flags_frag() & kIpv4FlagReserved) != 0) fail(frame, "emitted IPv4 with the reserved flag set");
  if (ip->is_fragment()) {
    if (ip->dont_fragment()) fail(frame, "emitted fragment with DF set");
    if (ip->more_fragments() && ip->payload().size() % 8 != 0) {
      fail(frame, "emitted non-last fragment with %zu payload bytes (not a multiple of 8)", ip->payload().size());
    }
    if (ip->frag_offset() + ip->payload().size() > kIpv4MaxDatagramLen) fail(frame, "emitted fragment past 65535");
    return;  // transport checksums cover the whole datagram: not checkable per fragment
  }
  const Bytes payload = ip->payload();
  switch (ip->protocol()) {
    case IpProtocol::icmp:
      if (const auto icmp = IcmpView::parse(payload); !icmp) {
        fail(frame, "emitted ICMP does not parse (IcmpError %d)", static_cast<int>(icmp.error()));
      }
      return;
    case IpProtocol::tcp:
      if (const auto tcp = TcpView::parse(payload, ip->src(), ip->dst()); !tcp) {
        fail(frame, "emitted TCP does not parse (TcpError %d)", static_cast<int>(tcp.error()));
      }
      return;
    case IpProtocol::udp:
      if (const auto udp = UdpView::parse(payload, ip->src(), ip->dst()); !udp) {
        fail(frame, "emitted UDP does not parse (UdpError %d)", static_cast<int>(udp.error()));
      }
      return;
    default:
      fail(frame, "emitted IPv4 with protocol %u, which the stack never sends", std::to_underlying(ip->protocol()));
  }
}

// The sink: checks every frame as it comes out and counts them.
class CheckingSink final : public FrameSink {
 public:
  explicit CheckingSink(const StackConfig& config) : config_(config) {}

  void begin_call(Instant now) {
    now_ = now;
    in_call_ = 0;
  }
  std::uint64_t total() const { return total_; }

  // The MACs a fed TAP frame shows: its Ethernet source and, for ARP, the sender's address
  // (after one VLAN tag, as the stack reads it). Everything bounds-checked.
  void saw_frame(Bytes frame) {
    if (config_.mode == LinkMode::tun || frame.size() < kEthernetHeaderLen) return;
    known_macs_.insert(mac_at(frame, 6));
    std::size_t at = kEthernetHeaderLen;
    EtherType type{load_be16(frame, 12)};
    if ((type == EtherType::vlan || type == EtherType::qinq) && frame.size() >= kEthernetHeaderLen + kVlanTagLen) {
      type = EtherType{load_be16(frame, kEthernetHeaderLen + 2)};
      at += kVlanTagLen;
    }
    if (type == EtherType::arp && frame.size() >= at + 14)
      known_macs_.insert(mac_at(frame, at + 8));
  }

  void emit(Bytes frame, Instant at) override {
    ++total_;
    if (++in_call_ > kMaxFramesPerCall) fail({}, "more than %zu frames emitted by one call", kMaxFramesPerCall);
    if (at != now_) fail(frame, "frame stamped %lld, emitted during a call at %lld", ns(at), ns(now_));
    if (config_.mode == LinkMode::tun) {
      check_ipv4(config_, frame, frame);
      return;
    }
    if (frame.size() < kEthernetMinFrameLen)
      fail(frame, "emitted frame of %zu bytes, under the 60-byte minimum", frame.size());
    if (frame.size() > kEthernetHeaderLen + config_.mtu) {
      fail(frame, "emitted frame of %zu bytes > MTU %u + 14", frame.size(), config_.mtu);
    }
    const auto eth = EthernetView::parse(frame);
    if (!eth) fail(frame, "emitted frame does not parse as Ethernet");
    if (eth->src() != config_.mac) fail(frame, "emitted frame from %s, not our MAC", eth->src().to_string().c_str());
    if (!eth->dst().is_broadcast() && !known_macs_.contains(eth->dst())) {
      fail(frame, "emitted frame to %s, a MAC no input frame carried", eth->dst().to_string().c_str());
    }
    const Bytes payload = eth->payload();
    switch (eth->type()) {
      case EtherType::arp: {
        const auto arp = ArpPacket::parse(payload);
        if (!arp) fail(frame, "emitted ARP does not parse (ArpError %d)", static_cast<int>(arp.error()));
        if (arp->sender_mac != config_.mac || arp->sender_ip != config_.ip.addr) {
          fail(frame, "emitted ARP with sender %s/%s, not ours", arp->sender_mac.to_string().c_str(),
               arp->sender_ip.to_string().c_str());
        }
        check_padding(frame, kEthernetHeaderLen + kArpPacketLen);
        return;
      }
      case EtherType::ipv4: {
        if (payload.size() < kIpv4MinHeaderLen) fail(frame, "emitted IPv4 frame shorter than an IPv4 header");
        const std::size_t total_len = load_be16(payload, ipv4_field::total_len);
        if (total_len > payload.size()) fail(frame, "emitted IPv4 total_len %zu beyond the frame", total_len);
        check_ipv4(config_, payload.first(total_len), frame);
        check_padding(frame, kEthernetHeaderLen + total_len);
        return;
      }
      default:
        fail(frame, "emitted EtherType 0x%04x", std::to_underlying(eth->type()));
    }
  }

 private:
  // Bytes after the packet exist only to reach the 60-byte minimum, and are zeros.
  static void check_padding(Bytes frame, std::size_t used) {
    if (frame.size() > used && frame.size() != kEthernetMinFrameLen) {
      fail(frame, "emitted frame of %zu bytes carries %zu bytes after its packet", frame.size(), frame.size() - used);
    }
    for (std::size_t i = used; i < frame.size(); ++i) {
      if (load_u8(frame, i) != 0) fail(frame, "non-zero Ethernet padding at byte %zu", i);
    }
  }

  static MacAddr mac_at(Bytes frame, std::size_t at) {
    MacAddr mac;
    for (std::size_t i = 0; i < mac.octets.size(); ++i) mac.octets[i] = load_u8(frame, at + i);
    return mac;
  }

  const StackConfig& config_;
  std::set<MacAddr> known_macs_;
  Instant now_{};
  std::size_t in_call_ = 0;
  std::uint64_t total_ = 0;
};

// What the fuzzer cannot guess: a valid checksum. With flag::fix_checksums the IPv4 header
// checksum and, for an unfragmented datagram, the ICMP/UDP/TCP checksum are recomputed, so
// mutations reach the code behind the checksum checks. Every access is bounds-checked here.
void fix_checksums(MutableBytes frame, LinkMode mode) {
  MutableBytes ip = frame;
  if (mode == LinkMode::tap) {
    if (frame.size() < kEthernetHeaderLen) return;
    std::size_t at = kEthernetHeaderLen;
    EtherType type{load_be16(frame, 12)};
    if ((type == EtherType::vlan || type == EtherType::qinq) && frame.size() >= kEthernetHeaderLen + kVlanTagLen) {
      type = EtherType{load_be16(frame, kEthernetHeaderLen + 2)};
      at += kVlanTagLen;
    }
    if (type != EtherType::ipv4) return;
    ip = frame.subspan(at);
  }
  if (ip.size() < kIpv4MinHeaderLen) return;
  const std::size_t ihl = static_cast<std::size_t>(load_u8(ip, 0) & 0x0f) * 4;
  if (ihl < kIpv4MinHeaderLen || ihl > ip.size()) return;
  store_be16(ip, ipv4_field::checksum, 0);
  store_be16(ip, ipv4_field::checksum, internet_checksum(ip.first(ihl)));

  const std::size_t total_len = load_be16(ip, ipv4_field::total_len);
  if (total_len < ihl || total_len > ip.size()) return;
  if ((load_be16(ip, ipv4_field::flags_frag) & (kIpv4FlagMoreFragments | kIpv4FragOffsetMask)) != 0) return;
  const MutableBytes seg = ip.subspan(ihl, total_len - ihl);
  const Ipv4Addr src{load_be32(ip, ipv4_field::src)};
  const Ipv4Addr dst{load_be32(ip, ipv4_field::dst)};
  switch (IpProtocol{load_u8(ip, ipv4_field::protocol)}) {
    case IpProtocol::icmp:
      if (seg.size() < kIcmpHeaderLen) return;
      store_be16(seg, icmp_field::checksum, 0);
      store_be16(seg, icmp_field::checksum, internet_checksum(seg));
      return;
    case IpProtocol::udp: {
      if (seg.size() < kUdpHeaderLen) return;
      const std::size_t udp_len = load_be16(seg, 4);
      if (udp_len < kUdpHeaderLen || udp_len > seg.size()) return;
      store_be16(seg, 6, 0);
      ChecksumAccumulator acc;
      add_pseudo_header(acc, src, dst, IpProtocol::udp, udp_len);
      acc.add(seg.first(udp_len));
      const std::uint16_t sum = acc.finish();
      store_be16(seg, 6, sum == 0 ? 0xffff : sum);  // RFC 768: 0 means "no checksum"
      return;
    }
    case IpProtocol::tcp: {
      if (seg.size() < kTcpMinHeaderLen) return;
      store_be16(seg, 16, 0);
      ChecksumAccumulator acc;
      add_pseudo_header(acc, src, dst, IpProtocol::tcp, seg.size());
      acc.add(seg);
      store_be16(seg, 16, acc.finish());
      return;
    }
    default:
      return;
  }
}

void run_timer(Stack& stack, CheckingSink& sink, Instant now) {
  sink.begin_call(now);
  stack.on_timer(now);
  if (const auto deadline = stack.next_deadline(); deadline && *deadline <= now) {
    fail({}, "after on_timer(%lld), next_deadline() is %lld (not later than now)", ns(now), ns(*deadline));
  }
}

}  // namespace
}  // namespace tapstack::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tapstack;
  using namespace tapstack::fuzz;

  RecordReader reader(data, size);
  auto record = reader.next();
  if (!record) return 0;
  const StackConfig config = config_for(record->flags);
  CheckingSink sink(config);
  Stack stack(config, sink);

  Instant now = kStart;
  std::uint64_t frames_in = 0;
  for (bool first = true; record; record = reader.next(), first = false) {
    const std::uint8_t flags = record->flags;
    if (!first) now += kAdvance[flags >> flag::advance_shift];
    if ((flags & flag::timer) != 0) run_timer(stack, sink, now);
    if ((flags & flag::to_deadline) != 0) {
      if (const auto deadline = stack.next_deadline(); deadline && *deadline > now) now = *deadline;
      run_timer(stack, sink, now);
    }
    if ((flags & flag::no_frame) == 0) {
      std::vector<std::byte> frame(record->bytes.size());  // exactly its size: ASan sees overreads
      copy_bytes(frame, std::as_bytes(record->bytes));
      if ((flags & flag::fix_checksums) != 0) fix_checksums(frame, config.mode);
      sink.saw_frame(frame);
      sink.begin_call(now);
      stack.on_frame(frame, now);
      ++frames_in;
      // The -v trace and `tapstack dump` decode the same untrusted bytes: they must not crash
      // either, whatever the frame.
      if (describe_frame(frame, config.mode == LinkMode::tap ? Framing::ethernet : Framing::ip).empty()) fail({}, "describe_frame returned nothing");
    }
    if (stack.neighbours().entries().size() > std::max<std::size_t>(config.arp.max_entries, 1)) {
      fail({}, "%zu neighbour entries, max_entries %zu", stack.neighbours().entries().size(), config.arp.max_entries);
    }
    const Counters& c = stack.counters();
    if (c[Counter::frames_in] != frames_in) {
      fail({}, "frames_in counter %" PRIu64 ", harness fed %" PRIu64, c[Counter::frames_in], frames_in);
    }
    if (c[Counter::frames_out] != sink.total()) {
      fail({}, "frames_out counter %" PRIu64 ", sink saw %" PRIu64, c[Counter::frames_out], sink.total());
    }
  }
  return 0;
}
