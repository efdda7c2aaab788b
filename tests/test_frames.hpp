#pragma once
// Builders for the frames tests feed the stack, and a sink that keeps what it emits.
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/frame_sink.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/pseudo_header.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace tapstack::test {

using Frame = std::vector<std::byte>;

inline constexpr MacAddr kPeerMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x01}};
inline constexpr MacAddr kOurMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}};
inline constexpr Ipv4Addr kPeerIp = Ipv4Addr::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Addr kOurIp = Ipv4Addr::from_octets(10, 0, 0, 2);

inline Frame bytes(std::initializer_list<int> values) {
  Frame f;
  for (int v : values) f.push_back(static_cast<std::byte>(v));
  return f;
}

inline Frame ethernet(MacAddr dst, MacAddr src, EtherType type, const Frame& payload) {
  Frame f(kEthernetHeaderLen + payload.size());
  EthernetRepr{dst, src, type}.emit(f);
  std::copy(payload.begin(), payload.end(), f.begin() + kEthernetHeaderLen);
  return f;
}

inline Frame arp(ArpOp op, MacAddr sha, Ipv4Addr spa, MacAddr tha, Ipv4Addr tpa) {
  Frame p(kArpPacketLen);
  ArpPacket{op, sha, spa, tha, tpa}.emit(p);
  return p;
}

inline Frame arp_request_for_us(MacAddr dst = MacAddr::broadcast()) {
  return ethernet(dst, kPeerMac, EtherType::arp, arp(ArpOp::request, kPeerMac, kPeerIp, MacAddr::zero(), kOurIp));
}

inline Frame icmp_echo(std::uint16_t ident, std::uint16_t seq, std::size_t data_len,
                       IcmpType type = IcmpType::echo_request) {
  Frame m(kIcmpHeaderLen + data_len);
  IcmpRepr{.type = type, .code = 0, .rest = (std::uint32_t{ident} << 16) | seq}.emit(m);
  for (std::size_t i = 0; i < data_len; ++i) m[kIcmpHeaderLen + i] = static_cast<std::byte>(i);
  store_be16(m, icmp_field::checksum, internet_checksum(m));
  return m;
}

inline Frame ipv4(Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol, const Frame& payload, std::uint8_t tos = 0,
                  std::uint16_t ident = 0x1234, std::uint16_t flags_frag = 0x4000, Bytes options = {}) {
  Ipv4Repr r{.src = src, .dst = dst, .protocol = protocol, .ttl = 64, .tos = tos, .ident = ident,
             .flags_frag = flags_frag, .payload_len = payload.size(), .options = options};
  Frame f(r.total_len());
  r.emit(f);
  std::copy(payload.begin(), payload.end(), f.begin() + static_cast<std::ptrdiff_t>(r.header_len()));
  return f;
}

inline Frame echo_request_frame(std::uint16_t seq = 1, std::size_t data_len = 56, Ipv4Addr dst = kOurIp,
                                MacAddr eth_dst = kOurMac) {
  return ethernet(eth_dst, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, dst, IpProtocol::icmp, icmp_echo(0x1c, seq, data_len)));
}

inline Frame udp(std::uint16_t sport, std::uint16_t dport, std::size_t data_len, Ipv4Addr src = kPeerIp,
                 Ipv4Addr dst = kOurIp) {
  Frame seg(kUdpHeaderLen + data_len, std::byte{0x5a});
  UdpLayout h;
  h.src_port = sport;
  h.dst_port = dport;
  h.length = static_cast<std::uint16_t>(seg.size());
  h.checksum = 0;
  store_layout(seg, h);
  h.checksum = transport_checksum(seg, src, dst, IpProtocol::udp);
  store_layout(seg, h);
  return seg;
}

// A segment from the peer's port 40000 to our port 80.
inline Frame tcp(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::size_t data_len = 0) {
  Frame seg(kTcpMinHeaderLen + data_len, std::byte{0x11});
  const TcpRepr header{.src_port = 40000, .dst_port = 80, .seq = seq, .ack = ack, .flags = flags, .window = 64240};
  header.emit(seg, kPeerIp, kOurIp);
  return seg;
}

struct Emitted {
  Frame frame;
  Instant at;
};

class CapturingSink final : public FrameSink {
 public:
  void emit(Bytes frame, Instant now) override { frames.push_back({Frame(frame.begin(), frame.end()), now}); }
  std::vector<Emitted> frames;
};

}  // namespace tapstack::test
