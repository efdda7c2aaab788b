// craft_fixtures: writes the hand-made capture fixtures of pcap-fixtures/, and injects a capture
// into an interface so regenerate.sh can record what a real Linux kernel answers to it.
//
//   craft_fixtures write DIR           writes DIR/{malformed,arp-resolve,tun-ping,tun-malformed,
//                                      unsupported-linktype}.pcap and prints what each frame tests
//   craft_fixtures inject IFACE FILE   sends every frame of FILE (Ethernet pcap) out of IFACE with
//                                      the capture's spacing; root, and only ever run by
//                                      regenerate.sh inside the namespaces it creates
//
// Valid parts are built with the stack's own codecs (Ipv4Repr, ArpPacket, EthernetRepr,
// internet_checksum) and then corrupted, so every frame is wrong in exactly one way. The
// output is deterministic: fixed addresses, identifiers and timestamps.
//
// Addresses follow regenerate.sh's namespaces: the "client" 10.0.0.1 / 02:00:0a:00:00:01 sends,
// the stack under test is the "host" 10.0.0.2 / 02:00:0a:00:00:02 on 10.0.0.0/24.
#include "link/pcap_file.hpp"
#include "stack/wire/addr.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/dlt.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace tapstack;
using Buf = std::vector<std::byte>;

constexpr MacAddr kClientMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x01}};
constexpr MacAddr kHostMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}};
constexpr MacAddr kOtherMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x03}};     // a third host on the LAN
constexpr MacAddr kMulticastMac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};  // all-hosts group
constexpr MacAddr kSeventhMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x07}};    // 10.0.0.7, answers ARP
constexpr MacAddr kEighthMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x08}};     // 10.0.0.8, never does

constexpr Ipv4Addr kClientIp = Ipv4Addr::from_octets(10, 0, 0, 1);
constexpr Ipv4Addr kHostIp = Ipv4Addr::from_octets(10, 0, 0, 2);
constexpr Ipv4Addr kOtherIp = Ipv4Addr::from_octets(10, 0, 0, 3);
constexpr Ipv4Addr kSeventhIp = Ipv4Addr::from_octets(10, 0, 0, 7);
constexpr Ipv4Addr kEighthIp = Ipv4Addr::from_octets(10, 0, 0, 8);
constexpr Ipv4Addr kSubnetBroadcast = Ipv4Addr::from_octets(10, 0, 0, 255);

constexpr std::uint16_t kEchoIdent = 0x7473;  // "ts"

// 2023-11-14 22:13:20 UTC: any fixed instant will do, a plausible one reads better in tshark.
constexpr std::int64_t kBaseNs = 1'700'000'000'000'000'000;

// --- building blocks --------------------------------------------------------------------------

// ping's payload shape: bytes 0, 1, 2, ... (iputils fills after its timestamp the same way).
Buf pattern(std::size_t n, std::uint8_t first = 0) {
  Buf b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = std::byte{static_cast<std::uint8_t>(first + i)};
  return b;
}

Buf concat(Bytes a, Bytes b) {
  Buf out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// An ICMP message with a correct checksum: type, code, then ident/sequence, then data.
Buf icmp_message(IcmpType type, std::uint16_t ident, std::uint16_t seq, Bytes data) {
  Buf m(kIcmpHeaderLen + data.size());
  store_u8(m, icmp_field::type, static_cast<std::uint8_t>(type));
  store_u8(m, icmp_field::code, 0);
  store_be16(m, icmp_field::ident, ident);
  store_be16(m, icmp_field::sequence, seq);
  copy_bytes(MutableBytes(m).subspan(kIcmpHeaderLen), data);
  store_be16(m, icmp_field::checksum, internet_checksum(m));
  return m;
}

Buf echo_request(std::uint16_t seq, std::size_t data_len = 56) {
  return icmp_message(IcmpType::echo_request, kEchoIdent, seq, pattern(data_len));
}

std::uint16_t g_ip_ident = 0x1000;  // each datagram gets the next, as Linux's ping socket would

Ipv4Repr icmp_header(Ipv4Addr src, Ipv4Addr dst) {
  Ipv4Repr r;
  r.src = src;
  r.dst = dst;
  r.protocol = IpProtocol::icmp;
  r.ttl = kDefaultTtl;
  r.ident = g_ip_ident++;
  r.flags_frag = kIpv4FlagDontFragment;  // ping sets DF
  return r;
}

Buf ipv4(Ipv4Repr r, Bytes payload) {
  r.payload_len = payload.size();
  Buf d(r.total_len());
  r.emit(d);
  copy_bytes(MutableBytes(d).subspan(r.header_len()), payload);
  return d;
}

// Recomputes the header checksum after a deliberate corruption, so the header is wrong in
// exactly one way (its checksum is computed over the first hlen bytes).
void refresh_ip_checksum(MutableBytes datagram, std::size_t hlen = kIpv4MinHeaderLen) {
  store_be16(datagram, ipv4_field::checksum, 0);
  store_be16(datagram, ipv4_field::checksum, internet_checksum(datagram.first(hlen)));
}

// An Ethernet frame. Short frames are padded to the 60-byte minimum as a NIC would, with pad
// (zero unless a test wants padding that would break a checksum if it were not ignored);
// min_len 0 leaves a runt unpadded.
Buf ethernet(MacAddr dst, MacAddr src, std::uint16_t type, Bytes payload, std::size_t min_len = kEthernetMinFrameLen,
             std::byte pad = std::byte{0}) {
  Buf f(kEthernetHeaderLen + payload.size());
  EthernetRepr{dst, src, static_cast<EtherType>(type)}.emit(f);
  copy_bytes(MutableBytes(f).subspan(kEthernetHeaderLen), payload);
  if (f.size() < min_len) f.resize(min_len, pad);
  return f;
}

constexpr std::uint16_t kTypeIpv4 = static_cast<std::uint16_t>(EtherType::ipv4);
constexpr std::uint16_t kTypeArp = static_cast<std::uint16_t>(EtherType::arp);

Buf ip_frame(Bytes datagram, MacAddr dst = kHostMac, MacAddr src = kClientMac) {
  return ethernet(dst, src, kTypeIpv4, datagram);
}

Buf echo_datagram(std::uint16_t seq, Ipv4Addr src = kClientIp, Ipv4Addr dst = kHostIp, std::size_t data_len = 56) {
  return ipv4(icmp_header(src, dst), echo_request(seq, data_len));
}

Buf echo_frame(std::uint16_t seq, MacAddr dst_mac = kHostMac) { return ip_frame(echo_datagram(seq), dst_mac); }

Buf arp_payload(ArpOp op, MacAddr sha, Ipv4Addr spa, MacAddr tha, Ipv4Addr tpa) {
  Buf p(kArpPacketLen);
  ArpPacket{op, sha, spa, tha, tpa}.emit(p);
  return p;
}

// "who-has tpa tell 10.0.0.1", as the client's kernel sends it: broadcast, target MAC zero.
Buf arp_request_payload(Ipv4Addr tpa = kHostIp) {
  return arp_payload(ArpOp::request, kClientMac, kClientIp, MacAddr::zero(), tpa);
}

Buf arp_frame(Bytes payload, MacAddr dst = MacAddr::broadcast(), MacAddr src = kClientMac) {
  return ethernet(dst, src, kTypeArp, payload);
}

// --- captures ---------------------------------------------------------------------------------

struct Frame {
  std::int64_t at_ns;
  std::string what;
  Buf bytes;
};

class Capture {
 public:
  // The next frame, gap after the previous one. what = what it tests and the expected outcome.
  void add(std::string what, Buf bytes, Duration gap = 10ms) {
    now_ns_ += gap.count();
    frames_.push_back({now_ns_, std::move(what), std::move(bytes)});
  }
  const std::vector<Frame>& frames() const { return frames_; }

 private:
  std::int64_t now_ns_ = kBaseNs;
  std::vector<Frame> frames_;
};

// Every way a frame can be wrong that tapstack must drop (and count), interleaved with valid
// frames that must still be answered so the output proves the stack survived each group.
Capture malformed() {
  Capture c;
  std::uint16_t seq = 0;

  // Set-up: the ARP request puts 10.0.0.1 in the cache, so every echo below can be answered
  // without a resolution round (replies are addressed through the cache, as Linux does).
  c.add("valid: ARP request who-has 10.0.0.2 tell 10.0.0.1 -> ARP reply", arp_frame(arp_request_payload()));
  c.add("valid: echo request seq 1 -> echo reply", echo_frame(++seq));

  // Ethernet layer.
  c.add("ethernet: empty record (0 bytes) -> dropped, runt", Buf{});
  c.add("ethernet: 1-byte runt -> dropped, runt", Buf(1, std::byte{0x02}));
  {
    Buf f = echo_frame(99);
    f.resize(kEthernetHeaderLen - 1);
    c.add("ethernet: 13-byte runt (header less one byte) -> dropped, runt", f);
  }
  c.add("ethernet: bare 14-byte header, type IPv4, no payload -> dropped, IPv4 truncated",
        ethernet(kHostMac, kClientMac, kTypeIpv4, {}, 0));
  c.add("ethernet: bare 14-byte header, type ARP, no payload -> dropped, ARP truncated",
        ethernet(kHostMac, kClientMac, kTypeArp, {}, 0));
  {
    // 802.1Q tag (TPID 0x8100, VID 1) in front of a valid echo request.
    const Buf tag{std::byte{0x00}, std::byte{0x01}, std::byte{0x08}, std::byte{0x00}};
    c.add("ethernet: 802.1Q VLAN-tagged echo request (VID 1) -> dropped, vlan",
          ethernet(kHostMac, kClientMac, static_cast<std::uint16_t>(EtherType::vlan), concat(tag, echo_datagram(99))));
    c.add("ethernet: 802.1ad QinQ-tagged echo request -> dropped, vlan",
          ethernet(kHostMac, kClientMac, static_cast<std::uint16_t>(EtherType::qinq), concat(tag, echo_datagram(99))));
  }
  {
    // IPv6 header (RFC 8200) fe80::1 -> fe80::2, ICMPv6 echo request (checksum irrelevant: the
    // frame must be dropped at the EtherType).
    Buf v6(40 + 8);
    store_be32(v6, 0, 0x60000000);
    store_be16(v6, 4, 8);
    store_u8(v6, 6, 58);  // next header ICMPv6
    store_u8(v6, 7, 64);
    store_be16(v6, 8, 0xfe80);
    store_u8(v6, 23, 1);
    store_be16(v6, 24, 0xfe80);
    store_u8(v6, 39, 2);
    store_u8(v6, 40, 128);  // echo request
    c.add("ethernet: IPv6 (0x86dd) ICMPv6 echo request -> dropped, ipv6",
          ethernet(kHostMac, kClientMac, static_cast<std::uint16_t>(EtherType::ipv6), v6));
  }
  {
    // 802.3 length field with an LLC header (DSAP/SSAP 0x42, UI): the spanning-tree shape.
    Buf llc(38);
    llc[0] = llc[1] = std::byte{0x42};
    llc[2] = std::byte{0x03};
    c.add("ethernet: 802.3 length 38 + LLC header -> dropped, llc", ethernet(kHostMac, kClientMac, 38, llc));
    c.add("ethernet: 802.3 length 1500 (largest length value) -> dropped, llc",
          ethernet(kHostMac, kClientMac, kMaxLlcLength, llc));
  }
  c.add("ethernet: type/length 0x05ff (1535, neither a length nor an EtherType) -> dropped",
        ethernet(kHostMac, kClientMac, 0x05ff, echo_datagram(99)));
  c.add("ethernet: unknown EtherType 0x88b5 (IEEE local experimental) -> dropped, unknown type",
        ethernet(kHostMac, kClientMac, 0x88b5, echo_datagram(99)));
  c.add("valid: echo request seq 2 -> echo reply", echo_frame(++seq));

  // ARP layer. Each is a request for 10.0.0.2 that would be answered but for one field.
  {
    Buf p = arp_request_payload();
    p.resize(kArpPacketLen - 1);
    c.add("arp: 27-byte ARP packet, unpadded 41-byte frame -> dropped, ARP truncated",
          ethernet(MacAddr::broadcast(), kClientMac, kTypeArp, p, 0));
  }
  {
    Buf p = arp_request_payload();
    store_be16(p, 0, 0);
    c.add("arp: hardware type 0 -> dropped, bad hardware", arp_frame(p));
  }
  {
    // Linux's arp_process() accepts ARPHRD_IEEE802 (6) as well as Ethernet (1) on an Ethernet
    // device; its reply carries htype 1.
    Buf p = arp_request_payload();
    store_be16(p, 0, kArpHardwareIeee802);
    c.add("valid: ARP request with hardware type 6 (IEEE 802) -> ARP reply (Linux accepts it)", arp_frame(p));
  }
  {
    Buf p = arp_request_payload();
    store_be16(p, 2, static_cast<std::uint16_t>(EtherType::ipv6));
    c.add("arp: protocol type 0x86dd -> dropped, bad protocol", arp_frame(p));
  }
  {
    Buf p = arp_request_payload();
    store_u8(p, 4, 8);
    c.add("arp: hardware length 8 -> dropped, bad hardware", arp_frame(p));
  }
  {
    Buf p = arp_request_payload();
    store_u8(p, 5, 16);
    c.add("arp: protocol length 16 -> dropped, bad protocol", arp_frame(p));
  }
  {
    Buf p = arp_request_payload();
    store_be16(p, 6, 0);
    c.add("arp: opcode 0 -> dropped, bad op", arp_frame(p));
  }
  {
    Buf p = arp_request_payload();
    store_be16(p, 6, 3);
    c.add("arp: opcode 3 (RARP request) -> dropped, bad op", arp_frame(p));
  }
  c.add("arp: request for 10.0.0.3, another host -> not answered", arp_frame(arp_request_payload(kOtherIp)));
  c.add("valid: echo request seq 3 -> echo reply", echo_frame(++seq));

  // IPv4 header. Each is echo request seq 99, valid but for the one field named.
  {
    Buf d = echo_datagram(99);
    d.resize(kIpv4MinHeaderLen - 1);
    c.add("ipv4: 19-byte header, unpadded 33-byte frame -> dropped, truncated",
          ethernet(kHostMac, kClientMac, kTypeIpv4, d, 0));
  }
  {
    Buf d = echo_datagram(99);
    store_u8(d, 0, 0x65);
    refresh_ip_checksum(d);
    c.add("ipv4: version 6 in an IPv4 EtherType -> dropped, bad version", ip_frame(d));
  }
  {
    Buf d = echo_datagram(99);
    store_u8(d, 0, 0x44);
    refresh_ip_checksum(d);
    c.add("ipv4: IHL 4 (16 bytes) -> dropped, bad header length", ip_frame(d));
  }
  {
    Buf d = echo_datagram(99);
    store_u8(d, 0, 0x40);
    refresh_ip_checksum(d);
    c.add("ipv4: IHL 0 -> dropped, bad header length", ip_frame(d));
  }
  {
    // IHL 15 says 60 header bytes; the datagram (and the unpadded frame) hold only 28.
    Buf d = ipv4(icmp_header(kClientIp, kHostIp), echo_request(99, 0));
    store_u8(d, 0, 0x4f);
    refresh_ip_checksum(d);
    c.add("ipv4: IHL 15 (60 bytes) in a 28-byte datagram, unpadded 42-byte frame -> dropped",
          ethernet(kHostMac, kClientMac, kTypeIpv4, d, 0));
  }
  {
    Buf d = echo_datagram(99);
    store_be16(d, ipv4_field::checksum, static_cast<std::uint16_t>(load_be16(d, ipv4_field::checksum) ^ 0x0100));
    c.add("ipv4: header checksum off (one bit flipped) -> dropped, bad checksum", ip_frame(d));
  }
  {
    Buf d = echo_datagram(99);
    store_be16(d, ipv4_field::total_len, 1000);
    refresh_ip_checksum(d);
    c.add("ipv4: total length 1000 in a 98-byte frame -> dropped, truncated", ip_frame(d));
  }
  {
    Buf d = echo_datagram(99);
    store_be16(d, ipv4_field::total_len, 19);
    refresh_ip_checksum(d);
    c.add("ipv4: total length 19, below the 20-byte header -> dropped, bad header length", ip_frame(d));
  }
  c.add("valid: echo request seq 4 -> echo reply", echo_frame(++seq));

  // Martian sources (RFC 1122 §3.2.1.3): an echo request that must not be answered. Linux
  // drops all but the subnet broadcast source, which it answers with a broadcast frame; the
  // issue forbids broadcast sources for replies, so tapstack must drop that one too.
  c.add("ipv4: source 0.0.0.0 -> dropped, martian", ip_frame(echo_datagram(99, Ipv4Addr::any())));
  c.add("ipv4: source 255.255.255.255 -> dropped, martian",
        ip_frame(echo_datagram(99, Ipv4Addr::limited_broadcast())));
  c.add("ipv4: source 127.0.0.1 -> dropped, martian",
        ip_frame(echo_datagram(99, Ipv4Addr::from_octets(127, 0, 0, 1))));
  c.add("ipv4: source 224.0.0.1 (multicast) -> dropped, martian",
        ip_frame(echo_datagram(99, Ipv4Addr::from_octets(224, 0, 0, 1))));
  c.add("ipv4: source 10.0.0.255, the subnet broadcast -> dropped, broadcast source (Linux answers, to ff:ff:ff:ff:ff:ff)",
        ip_frame(echo_datagram(99, kSubnetBroadcast)));
  c.add("ipv4: source 10.0.0.2, our own address -> dropped, martian (Linux: fib_validate_source)",
        ip_frame(echo_datagram(99, kHostIp)));

  // Destination and link-layer addressing.
  c.add("ethernet: valid echo request to another unicast MAC 02:00:0a:00:00:03 -> dropped, other host",
        echo_frame(99, kOtherMac));
  c.add("ethernet: valid echo request to multicast MAC 01:00:5e:00:00:01 -> dropped (Linux answers: drop_unicast_in_l2_multicast=0)",
        echo_frame(99, kMulticastMac));
  c.add("arp: request for 10.0.0.2 sent to another unicast MAC -> dropped, other host",
        arp_frame(arp_request_payload(), kOtherMac));
  c.add("icmp: echo request to 10.0.0.255 in a broadcast frame -> ignored (icmp_echo_ignore_broadcasts)",
        ip_frame(echo_datagram(99, kClientIp, kSubnetBroadcast), MacAddr::broadcast()));
  c.add("ipv4: echo request to 10.0.0.3 in a frame to our MAC -> dropped, not for us (no forwarding)",
        ip_frame(echo_datagram(99, kClientIp, kOtherIp)));
  c.add("valid: echo request seq 5 -> echo reply", echo_frame(++seq));

  // ICMP.
  {
    // A 4-byte ICMP message: the frame is padded with zeros to 60 bytes, so only a stack that
    // trims to the IP total length sees that the message is short.
    const Buf m{std::byte{8}, std::byte{0}, std::byte{0xf7}, std::byte{0xff}};
    c.add("icmp: 4-byte message (below 8), zero-padded frame -> dropped, truncated",
          ip_frame(ipv4(icmp_header(kClientIp, kHostIp), m)));
  }
  {
    Buf m = echo_request(99);
    store_be16(m, icmp_field::checksum, static_cast<std::uint16_t>(load_be16(m, icmp_field::checksum) + 1));
    c.add("icmp: echo request with its checksum off by one -> dropped, bad checksum",
          ip_frame(ipv4(icmp_header(kClientIp, kHostIp), m)));
  }
  c.add("valid: echo request seq 6, no data, frame padded with 0xa5 to 60 -> echo reply, padding ignored",
        ethernet(kHostMac, kClientMac, kTypeIpv4, echo_datagram(++seq, kClientIp, kHostIp, 0), kEthernetMinFrameLen,
                 std::byte{0xa5}));
  c.add("valid: echo request seq 7, 9 data bytes (odd length), 9 bytes of 0xa5 padding -> echo reply, padding ignored",
        ethernet(kHostMac, kClientMac, kTypeIpv4, echo_datagram(++seq, kClientIp, kHostIp, 9), kEthernetMinFrameLen,
                 std::byte{0xa5}));
  {
    // Four NOP options (IHL 6): a valid header with options. Linux answers and echoes none of
    // them (ip_options_echo() copies only RR, TS, SRR and CIPSO).
    const Buf nops(4, std::byte{0x01});
    Ipv4Repr r = icmp_header(kClientIp, kHostIp);
    r.options = nops;
    c.add("valid: echo request seq 8 with 4 NOP options (IHL 6) -> echo reply", ip_frame(ipv4(r, echo_request(++seq))));
  }
  c.add("icmp: unsolicited echo reply -> not answered",
        ip_frame(ipv4(icmp_header(kClientIp, kHostIp),
                      icmp_message(IcmpType::echo_reply, kEchoIdent, 99, pattern(56)))));
  {
    // RFC 792 timestamp request: originate = ms since midnight UT of kBaseNs, the others zero.
    Buf ts(12);
    store_be32(ts, 0, static_cast<std::uint32_t>((kBaseNs / 1'000'000) % 86'400'000));
    c.add("icmp: timestamp request (type 13) -> Linux answers with a timestamp reply",
          ip_frame(ipv4(icmp_header(kClientIp, kHostIp),
                        icmp_message(IcmpType::timestamp_request, kEchoIdent, 1, ts))));
  }
  c.add("valid: echo request seq 9, after everything above -> echo reply", echo_frame(++seq));
  return c;
}

// Neighbour resolution, driven by the capture's clock: the stack must ask before it answers a
// host it has never heard from, send the held reply when the answer comes, and give up on a
// host that never answers after a bounded number of requests (Linux: mcast_solicit 3, one per
// retrans_time 1 s). Echo requests from 10.0.0.1 every 500 ms move the clock on.
Capture arp_resolve() {
  Capture c;
  std::uint16_t seq1 = 0;
  c.add("valid: ARP request from 10.0.0.1 -> ARP reply (10.0.0.1 now cached)", arp_frame(arp_request_payload()), 0ms);
  c.add("echo request from 10.0.0.7, never heard of -> ARP request who-has 10.0.0.7, reply held",
        ip_frame(ipv4(icmp_header(kSeventhIp, kHostIp), echo_request(1)), kHostMac, kSeventhMac), 100ms);
  c.add("ARP reply 10.0.0.7 is-at 02:00:0a:00:00:07 -> the held echo reply is sent",
        arp_frame(arp_payload(ArpOp::reply, kSeventhMac, kSeventhIp, kHostMac, kHostIp), kHostMac, kSeventhMac), 100ms);
  c.add("echo request from 10.0.0.7 seq 2 -> echo reply at once (cached)",
        ip_frame(ipv4(icmp_header(kSeventhIp, kHostIp), echo_request(2)), kHostMac, kSeventhMac), 200ms);
  c.add("echo request from 10.0.0.8, which never answers ARP -> ARP request, reply held",
        ip_frame(ipv4(icmp_header(kEighthIp, kHostIp), echo_request(1)), kHostMac, kEighthMac), 600ms);
  // 1.0 s .. 5.0 s: only the clock and 10.0.0.1 talk; retries to 10.0.0.8 then give-up.
  for (int i = 0; i < 9; ++i)
    c.add("echo request from 10.0.0.1 -> echo reply (moves the clock; retries to 10.0.0.8 come due)",
          echo_frame(++seq1), 500ms);
  return c;
}

// TUN mode: bare IPv4 datagrams (DLT_RAW), no link layer, no ARP.
Capture tun_ping() {
  Capture c;
  c.add("valid: echo request seq 1, 56 data bytes -> echo reply", echo_datagram(1), 0ms);
  c.add("valid: echo request seq 2, 56 data bytes -> echo reply", echo_datagram(2), 200ms);
  c.add("valid: echo request seq 3, 1472 data bytes (a 1500-byte datagram) -> echo reply",
        echo_datagram(3, kClientIp, kHostIp, 1472), 200ms);
  return c;
}

Capture tun_malformed() {
  Capture c;
  c.add("valid: echo request seq 1 -> echo reply", echo_datagram(1), 0ms);
  c.add("empty record -> dropped, truncated", Buf{});
  {
    Buf d = echo_datagram(99);
    d.resize(10);
    c.add("10-byte datagram -> dropped, truncated", d);
  }
  {
    // What a TUN device without IFF_NO_PI-style filtering hands over for IPv6: version 6.
    Buf v6(48);
    store_be32(v6, 0, 0x60000000);
    store_be16(v6, 4, 8);
    store_u8(v6, 6, 58);
    store_u8(v6, 7, 64);
    c.add("IPv6 datagram -> dropped, bad version", v6);
  }
  {
    Buf d = echo_datagram(99);
    store_be16(d, ipv4_field::checksum, static_cast<std::uint16_t>(load_be16(d, ipv4_field::checksum) ^ 0x0001));
    c.add("header checksum off -> dropped, bad checksum", d);
  }
  {
    Buf d = echo_datagram(99);
    store_be16(d, ipv4_field::total_len, 200);
    refresh_ip_checksum(d);
    c.add("total length 200 in an 84-byte datagram -> dropped, truncated", d);
  }
  {
    Buf d = echo_datagram(2);
    const Buf trailer(6, std::byte{0xa5});
    c.add("valid: echo request seq 2 followed by 6 stray bytes beyond total length -> echo reply, bytes ignored",
          concat(d, trailer));
  }
  {
    Buf m = echo_request(99);
    store_be16(m, icmp_field::checksum, static_cast<std::uint16_t>(load_be16(m, icmp_field::checksum) + 1));
    c.add("ICMP checksum off by one -> dropped, bad checksum", ipv4(icmp_header(kClientIp, kHostIp), m));
  }
  c.add("source 127.0.0.1 -> dropped, martian", echo_datagram(99, Ipv4Addr::from_octets(127, 0, 0, 1)));
  c.add("destination 10.0.0.3 -> dropped, not for us", echo_datagram(99, kClientIp, kOtherIp));
  c.add("valid: echo request seq 3 -> echo reply", echo_datagram(3));
  return c;
}

// --- output -----------------------------------------------------------------------------------

bool write_capture(const std::string& path, CaptureLinkType type, const Capture& c) {
  auto w = PcapWriter::create(path, type);
  if (!w) {
    std::fprintf(stderr, "craft_fixtures: %s\n", w.error().c_str());
    return false;
  }
  std::printf("%s:\n", path.c_str());
  std::size_t n = 0;
  for (const auto& f : c.frames()) {
    w->write(f.bytes, instant_from_ns(f.at_ns));
    std::printf("  %3zu  %4zu bytes  %s\n", ++n, f.bytes.size(), f.what.c_str());
  }
  if (auto r = w->close(); !r) {
    std::fprintf(stderr, "craft_fixtures: %s\n", r.error().c_str());
    return false;
  }
  return true;
}

// One ARP request in a Linux "cooked" capture (DLT_LINUX_SLL): a well-formed file of a link
// type tapstack does not read, for the CLI error test.
bool write_linux_sll(const std::string& path) {
  Buf rec(16);
  store_be16(rec, 0, 4);   // packet type: sent by us
  store_be16(rec, 2, 1);   // ARPHRD_ETHER
  store_be16(rec, 4, 6);   // address length
  for (std::size_t i = 0; i < 6; ++i) rec[6 + i] = std::byte{kClientMac.octets[i]};
  store_be16(rec, 14, kTypeArp);
  rec = concat(rec, arp_request_payload());

  auto w = PcapWriter::create_foreign(path, DLT_LINUX_SLL, 65535);
  if (!w) {
    std::fprintf(stderr, "craft_fixtures: %s\n", w.error().c_str());
    return false;
  }
  w->write(rec, instant_from_ns(kBaseNs));
  if (auto r = w->close(); !r) {
    std::fprintf(stderr, "craft_fixtures: %s\n", r.error().c_str());
    return false;
  }
  std::printf("%s:\n    1  %4zu bytes  Linux cooked (SLL) ARP request: a link type replay must refuse\n",
              path.c_str(), rec.size());
  return true;
}

int write_all(const std::string& dir) {
  const bool ok = write_capture(dir + "/malformed.pcap", CaptureLinkType::ethernet, malformed()) &&
                  write_capture(dir + "/arp-resolve.pcap", CaptureLinkType::ethernet, arp_resolve()) &&
                  write_capture(dir + "/tun-ping.pcap", CaptureLinkType::raw_ip, tun_ping()) &&
                  write_capture(dir + "/tun-malformed.pcap", CaptureLinkType::raw_ip, tun_malformed()) &&
                  write_linux_sll(dir + "/unsupported-linktype.pcap");
  return ok ? 0 : 1;
}

// --- injection --------------------------------------------------------------------------------

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void sleep_until_ns(std::int64_t t) {
  const timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// Replays an Ethernet capture onto a live interface with its original spacing, so a real
// kernel's timers (ARP retries) see the same clock the capture carries.
int inject(const std::string& iface, const std::string& path) {
  auto reader = PcapReader::open(path);
  if (!reader) {
    std::fprintf(stderr, "craft_fixtures: %s\n", reader.error().c_str());
    return 1;
  }
  if (reader->link_type() != CaptureLinkType::ethernet) {
    std::fprintf(stderr, "craft_fixtures: %s: not an Ethernet capture\n", path.c_str());
    return 1;
  }
  const unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) {
    std::fprintf(stderr, "craft_fixtures: %s: %s\n", iface.c_str(), std::strerror(errno));
    return 1;
  }
  // Protocol 0: this socket only sends, it never receives.
  const Fd sock{::socket(AF_PACKET, SOCK_RAW, 0)};
  if (sock.fd < 0) {
    std::fprintf(stderr, "craft_fixtures: packet socket: %s\n", std::strerror(errno));
    return 1;
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (::bind(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "craft_fixtures: bind %s: %s\n", iface.c_str(), std::strerror(errno));
    return 1;
  }

  std::optional<std::int64_t> first_ts;
  const std::int64_t start = monotonic_ns();
  std::size_t n = 0, sent = 0;
  for (;;) {
    auto next = reader->next();
    if (!next) {
      std::fprintf(stderr, "craft_fixtures: %s: %s\n", path.c_str(), next.error().c_str());
      return 1;
    }
    if (!*next) break;
    const auto& f = **next;
    ++n;
    const std::int64_t ts = to_ns(f.timestamp);
    if (!first_ts) first_ts = ts;
    sleep_until_ns(start + (ts - *first_ts));
    // The kernel refuses frames shorter than the link header; those test only our parser.
    if (f.data.size() < kEthernetHeaderLen) {
      std::printf("  frame %zu: %zu bytes, too short to send, skipped\n", n, f.data.size());
      continue;
    }
    if (::send(sock.fd, f.data.data(), f.data.size(), 0) < 0) {
      std::printf("  frame %zu: send: %s\n", n, std::strerror(errno));
      continue;
    }
    ++sent;
  }
  std::printf("injected %zu of %zu frames from %s into %s\n", sent, n, path.c_str(), iface.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "write") return write_all(std::string(args[1]));
  if (args.size() == 3 && args[0] == "inject") return inject(std::string(args[1]), std::string(args[2]));
  std::fprintf(stderr, "usage: craft_fixtures write DIR | craft_fixtures inject IFACE FILE\n");
  return 2;
}
