#pragma once
// Builders for the IPv6 datagrams tests feed the stack: extension headers, ICMPv6, UDP, TCP.
#include "stack/wire/icmpv6.hpp"
#include "stack/wire/ipv6.hpp"
#include "stack/wire/pseudo_header.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

#include "test_frames.hpp"

#include <vector>

namespace tapstack::test {

inline const Ipv6Addr kPeerIp6 = *Ipv6Addr::parse("fd00::1");
inline const Ipv6Addr kOurIp6 = *Ipv6Addr::parse("fd00::2");
inline const Ipv6Addr kPeerLinkLocal = link_local_from_mac(kPeerMac);
inline const Ipv6Addr kOurLinkLocal = link_local_from_mac(kOurMac);

// One extension header: next header, length in 8-octet units less one, then body (padded by the
// caller to a multiple of 8 with its first two bytes).
struct ExtHeader {
  IpProtocol type{};
  Frame body;  // everything after the first two bytes
};

// An IPv6 datagram: fixed header, the extension headers in order, then the upper-layer payload
// named by `upper`.
inline Frame ipv6(const Ipv6Addr& src, const Ipv6Addr& dst, IpProtocol upper, const Frame& payload,
                  const std::vector<ExtHeader>& ext = {}, std::uint8_t hop_limit = 64) {
  Frame chain;
  for (std::size_t i = 0; i < ext.size(); ++i) {
    const IpProtocol next = i + 1 < ext.size() ? ext[i + 1].type : upper;
    chain.push_back(static_cast<std::byte>(std::to_underlying(next)));
    chain.push_back(static_cast<std::byte>((ext[i].body.size() + 2) / 8 - 1));
    chain.insert(chain.end(), ext[i].body.begin(), ext[i].body.end());
  }
  const Ipv6Repr r{.src = src, .dst = dst, .next_header = ext.empty() ? upper : ext[0].type, .hop_limit = hop_limit,
                   .payload_len = chain.size() + payload.size()};
  Frame f(kIpv6HeaderLen);
  r.emit(f);
  f.insert(f.end(), chain.begin(), chain.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// An options header body (6 bytes after next header and length, or 14, ...) holding options,
// padded with PadN/Pad1 to a multiple of 8.
inline ExtHeader options_header(IpProtocol type, const Frame& options) {
  Frame body = options;
  std::size_t pad = (8 - (body.size() + 2) % 8) % 8;
  if (pad == 1) {
    body.push_back(std::byte{0});
  } else if (pad > 1) {
    body.push_back(std::byte{1});
    body.push_back(static_cast<std::byte>(pad - 2));
    body.insert(body.end(), pad - 2, std::byte{0});
  }
  return {type, body};
}

inline ExtHeader routing_header(std::uint8_t routing_type, std::uint8_t segments_left, std::size_t addresses = 1) {
  Frame body(6 + 16 * addresses);
  body[0] = static_cast<std::byte>(routing_type);
  body[1] = static_cast<std::byte>(segments_left);
  return {IpProtocol::routing, body};
}

inline Frame icmpv6_message(Icmpv6Type type, std::uint8_t code, std::uint32_t rest, const Frame& data, const Ipv6Addr& src,
                            const Ipv6Addr& dst) {
  Frame m(kIcmpv6HeaderLen + data.size());
  Icmpv6Repr{.type = type, .code = code, .rest = rest}.emit(m);
  std::copy(data.begin(), data.end(), m.begin() + kIcmpv6HeaderLen);
  fill_icmpv6_checksum(m, src, dst);
  return m;
}

inline Frame icmpv6_echo(std::uint16_t ident, std::uint16_t seq, std::size_t data_len, const Ipv6Addr& src,
                         const Ipv6Addr& dst, Icmpv6Type type = Icmpv6Type::echo_request) {
  Frame data(data_len);
  for (std::size_t i = 0; i < data_len; ++i) data[i] = static_cast<std::byte>(i);
  return icmpv6_message(type, 0, (std::uint32_t{ident} << 16) | seq, data, src, dst);
}

inline Frame udp6(std::uint16_t sport, std::uint16_t dport, std::size_t data_len, const Ipv6Addr& src, const Ipv6Addr& dst) {
  Frame seg(kUdpHeaderLen + data_len, std::byte{0x5a});
  UdpLayout h;
  h.src_port = sport;
  h.dst_port = dport;
  h.length = static_cast<std::uint16_t>(seg.size());
  h.checksum = 0;
  store_layout(seg, h);
  std::uint16_t sum = transport_checksum(seg, src, dst, IpProtocol::udp);
  h.checksum = sum == 0 ? std::uint16_t{0xffff} : sum;  // RFC 768: a computed 0 is sent as all ones
  store_layout(seg, h);
  return seg;
}

inline Frame tcp6(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, const Ipv6Addr& src, const Ipv6Addr& dst,
                  std::size_t data_len = 0) {
  Frame seg(kTcpMinHeaderLen + data_len, std::byte{0x11});
  const TcpRepr header{.src_port = 40000, .dst_port = 80, .seq = seq, .ack = ack, .flags = flags, .window = 64240};
  header.emit(seg, src, dst);
  return seg;
}

inline Frame eth6(const Frame& datagram, MacAddr dst = kOurMac, MacAddr src = kPeerMac) {
  return ethernet(dst, src, EtherType::ipv6, datagram);
}

}  // namespace tapstack::test
