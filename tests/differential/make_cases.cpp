// make_cases: writes the differential suite's inputs, one small Ethernet pcap per case, plus
// cases.tsv (name, duration in ms, short|long, description) describing them.
//
//   make_cases OUTDIR        write OUTDIR/NAME.in.pcap for every case and OUTDIR/cases.tsv
//   make_cases --list        print cases.tsv to stdout
//
// Every IPv4 and ARP frame is built with the stack's own codecs (EthernetRepr, ArpPacket,
// Ipv4Repr, internet_checksum); malformed fields are patched in afterwards, byte by byte. The
// IPv6 cases (v6_*) have an encoder of their own, independent of the stack's (see "IPv6"). The same file is
// fed to the kernel (kernel_oracle) and to `tapstack replay`, so the two see identical frames at
// identical relative times.
//
// Conventions (README.md explains why):
//  - most cases begin with a "seed": the peer's broadcast ARP request for our address. Linux
//    answers it and creates a STALE neighbour entry for the peer, so later replies go out at once
//    instead of waiting for ARP resolution; cases about resolution itself leave the seed out;
//  - frames follow each other 10 ms apart unless a case says otherwise;
//  - each case ends with the end-of-window marker (cases.hpp), 300 ms after its last request
//    unless the case needs timers to run (ARP probes, reassembly timeout).
#include "link/pcap_file.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "tests/differential/cases.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tapstack::differential {
namespace {

using Buf = std::vector<std::byte>;

// 2024-01-01T12:00:00Z: a fixed capture time, noon so that "ms since midnight UT" (ICMP and IP
// timestamps) is far from its wrap.
constexpr std::int64_t kBaseTimeNs = 1'704'110'400LL * 1'000'000'000LL;
constexpr std::int64_t kDefaultGapMs = 10;
constexpr std::int64_t kDefaultWindowMs = 300;
constexpr std::int64_t kLongCaseMs = 10'000;  // longer cases run live only when asked

constexpr MacAddr kOtherMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x63}};   // a third host's MAC
constexpr MacAddr kPeerNewMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x51}}; // the peer after a NIC swap
constexpr MacAddr kAllHostsMac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
constexpr Ipv4Addr kOtherIp = Ipv4Addr::from_octets(10, 0, 0, 99);
constexpr Ipv4Addr kSubnetBroadcast = Ipv4Addr::from_octets(10, 0, 0, 255);
constexpr Ipv4Addr kAllHosts = Ipv4Addr::from_octets(224, 0, 0, 1);
constexpr Ipv4Addr kOffLink = Ipv4Addr::from_octets(192, 168, 7, 7);

// ---------------------------------------------------------------------------------------------
// Byte helpers

Buf bytes(std::initializer_list<int> values) {
  Buf b;
  for (int v : values) b.push_back(static_cast<std::byte>(v));
  return b;
}

Buf cat(Buf a, const Buf& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Buf filled(std::size_t n, std::uint8_t value) { return Buf(n, std::byte{value}); }

// Payload like iputils ping's after its timestamp: byte i is (i + 8) mod 256.
Buf pattern(std::size_t n, std::uint8_t start = 0x08) {
  Buf b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>(static_cast<std::uint8_t>(start + i));
  return b;
}

Buf slice(const Buf& b, std::size_t offset, std::size_t len) {
  return Buf(b.begin() + static_cast<std::ptrdiff_t>(offset), b.begin() + static_cast<std::ptrdiff_t>(offset + len));
}

Buf pad_to(Buf b, std::size_t len, std::uint8_t value = 0) {
  if (b.size() < len) b.resize(len, std::byte{value});
  return b;
}

// ---------------------------------------------------------------------------------------------
// Headers, built with the stack's codecs

Buf eth(MacAddr dst, MacAddr src, std::uint16_t type, const Buf& payload) {
  Buf f(kEthernetHeaderLen + payload.size());
  EthernetRepr{dst, src, static_cast<EtherType>(type)}.emit(f);
  copy_bytes(MutableBytes(f).subspan(kEthernetHeaderLen), payload);
  return f;
}

struct Arp {
  ArpOp op = ArpOp::request;
  MacAddr sha = kPeerMac;
  Ipv4Addr spa = kPeerIp;
  MacAddr tha = MacAddr::zero();
  Ipv4Addr tpa = kHostIp;
};

Buf arp(const Arp& a) {
  Buf b(kArpPacketLen);
  ArpPacket{a.op, a.sha, a.spa, a.tha, a.tpa}.emit(b);
  return b;
}

Buf arp_frame(const Arp& a, MacAddr dst = MacAddr::broadcast(), MacAddr src = kPeerMac) {
  return eth(dst, src, static_cast<std::uint16_t>(EtherType::arp), arp(a));
}

struct Ip {
  Ipv4Addr src = kPeerIp;
  Ipv4Addr dst = kHostIp;
  IpProtocol protocol = IpProtocol::icmp;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t ident = 0x4d2;
  std::uint16_t flags_frag = kIpv4FlagDontFragment;  // Linux's ping sets DF (IP_PMTUDISC_WANT)
  Buf options;                                      // padded with EOOL to 4 bytes by Ipv4Repr
};

Buf ipv4(const Ip& h, const Buf& payload) {
  const Ipv4Repr repr{.src = h.src,
                      .dst = h.dst,
                      .protocol = h.protocol,
                      .ttl = h.ttl,
                      .tos = h.tos,
                      .ident = h.ident,
                      .flags_frag = h.flags_frag,
                      .payload_len = payload.size(),
                      .options = Bytes(h.options)};
  Buf d(repr.total_len());
  repr.emit(d);
  copy_bytes(MutableBytes(d).subspan(repr.header_len()), payload);
  return d;
}

// Recomputes the IPv4 header checksum of a datagram after a field was patched.
Buf refresh_ip_checksum(Buf d) {
  const std::size_t ihl = static_cast<std::size_t>(std::to_integer<unsigned>(d[0]) & 0x0f) * 4;
  store_be16(d, ipv4_field::checksum, 0);
  store_be16(d, ipv4_field::checksum, internet_checksum(Bytes(d).first(ihl)));
  return d;
}

Buf ip_frame(const Buf& datagram, MacAddr dst = kHostMac, MacAddr src = kPeerMac) {
  return eth(dst, src, static_cast<std::uint16_t>(EtherType::ipv4), datagram);
}

Buf icmp(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Buf& data) {
  Buf m(kIcmpHeaderLen + data.size());
  store_u8(m, icmp_field::type, type);
  store_u8(m, icmp_field::code, code);
  store_be32(m, icmp_field::ident, rest);
  copy_bytes(MutableBytes(m).subspan(kIcmpHeaderLen), data);
  store_be16(m, icmp_field::checksum, internet_checksum(m));
  return m;
}

constexpr std::uint16_t kPingIdent = 0x1234;

Buf echo_request(std::uint16_t seq, const Buf& data, std::uint16_t ident = kPingIdent) {
  return icmp(static_cast<std::uint8_t>(IcmpType::echo_request), 0, (std::uint32_t{ident} << 16) | seq, data);
}

// A ping: echo request with an n-byte payload, from the peer to us unless h says otherwise.
Buf ping(std::size_t n = 56, std::uint16_t seq = 1, Ip h = {}) { return ip_frame(ipv4(h, echo_request(seq, pattern(n)))); }

std::uint16_t transport_checksum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol, const Buf& segment) {
  ChecksumAccumulator acc;
  acc.add_be32(src.value);
  acc.add_be32(dst.value);
  acc.add_be16(protocol);
  acc.add_be16(static_cast<std::uint16_t>(segment.size()));
  acc.add(segment);
  return acc.finish();
}

Buf udp(Ipv4Addr src, Ipv4Addr dst, std::uint16_t sport, std::uint16_t dport, const Buf& data, bool checksum = true) {
  Buf s(8 + data.size());
  store_be16(s, 0, sport);
  store_be16(s, 2, dport);
  store_be16(s, 4, static_cast<std::uint16_t>(s.size()));
  copy_bytes(MutableBytes(s).subspan(8), data);
  if (checksum) {
    const std::uint16_t c = transport_checksum(src, dst, static_cast<std::uint8_t>(IpProtocol::udp), s);
    store_be16(s, 6, c == 0 ? 0xffff : c);  // RFC 768: a computed 0 is sent as all ones
  }
  return s;
}

// A UDP datagram from the peer to dst (ours by default), as traceroute's first probe.
Buf udp_datagram(const Buf& data = pattern(32, 0x40), Ip h = {}, std::uint16_t dport = 33434, bool checksum = true) {
  h.protocol = IpProtocol::udp;
  return ipv4(h, udp(h.src, h.dst, 45000, dport, data, checksum));
}

namespace tcp_flag {
constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

Buf tcp(Ipv4Addr src, Ipv4Addr dst, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, const Buf& data = {},
        const Buf& options = {}, std::uint16_t dport = 80) {
  const std::size_t hlen = 20 + options.size();  // options are given in whole words
  Buf s(hlen + data.size());
  store_be16(s, 0, 40000);
  store_be16(s, 2, dport);
  store_be32(s, 4, seq);
  store_be32(s, 8, ack);
  store_u8(s, 12, static_cast<std::uint8_t>((hlen / 4) << 4));
  store_u8(s, 13, flags);
  store_be16(s, 14, 64240);
  copy_bytes(MutableBytes(s).subspan(20), options);
  copy_bytes(MutableBytes(s).subspan(hlen), data);
  store_be16(s, 16, transport_checksum(src, dst, static_cast<std::uint8_t>(IpProtocol::tcp), s));
  return s;
}

Buf tcp_datagram(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, const Buf& data = {}, Ip h = {},
                 const Buf& options = {}) {
  h.protocol = IpProtocol::tcp;
  return ipv4(h, tcp(h.src, h.dst, flags, seq, ack, data, options));
}

// One fragment of a datagram whose transport bytes are `payload`: bytes [offset, offset+len),
// MF set unless the piece ends the payload (or `more` overrides it).
Buf fragment(Ip h, const Buf& payload, std::size_t offset, std::size_t len, int more = -1) {
  const bool mf = more < 0 ? offset + len < payload.size() : more != 0;
  h.flags_frag = static_cast<std::uint16_t>((h.flags_frag & kIpv4FlagDontFragment) | (mf ? kIpv4FlagMoreFragments : 0) |
                                            (offset / 8));
  return ip_frame(ipv4(h, slice(payload, offset, len)));
}

// ---------------------------------------------------------------------------------------------
// Cases

struct TimedFrame {
  std::int64_t at_ms;
  Buf frame;
};

class Case {
 public:
  Case(std::string name, std::string description) : name_(std::move(name)), description_(std::move(description)) {}

  // The peer's broadcast ARP request for our address: seeds the neighbour cache (see top).
  Case& seed() { return send(arp_frame({})); }
  // The next frame, `gap_ms` after the previous one (the first frame is at 0).
  Case& send(Buf frame, std::int64_t gap_ms = kDefaultGapMs) {
    const std::int64_t at = frames_.empty() ? 0 : frames_.back().at_ms + gap_ms;
    frames_.push_back({at, std::move(frame)});
    return *this;
  }
  // How long after the last frame the host is watched (the marker's distance).
  Case& window(std::int64_t ms) {
    window_ms_ = ms;
    return *this;
  }

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  std::int64_t duration_ms() const { return (frames_.empty() ? 0 : frames_.back().at_ms) + window_ms_; }
  bool is_long() const { return duration_ms() > kLongCaseMs; }

  std::vector<TimedFrame> frames_with_marker() const {
    auto all = frames_;
    Buf text;
    for (char c : std::string("tapstack differential: end of observation window")) text.push_back(static_cast<std::byte>(c));
    all.push_back({duration_ms(), eth(kEndMarkerMac, kPeerMac, kEndMarkerType, text)});
    return all;
  }

 private:
  std::string name_;
  std::string description_;
  std::vector<TimedFrame> frames_;
  std::int64_t window_ms_ = kDefaultWindowMs;
};

using Cases = std::vector<Case>;

// ARP ------------------------------------------------------------------------------------------

void arp_cases(Cases& cs) {
  cs.emplace_back("arp_request_broadcast", "ARP request for our address, broadcast: answered")
      .send(arp_frame({}));
  cs.emplace_back("arp_request_unicast", "ARP request for our address sent to our MAC (a unicast refresh): answered")
      .send(arp_frame({}, kHostMac));
  cs.emplace_back("arp_request_to_other_mac", "ARP request for our address, Ethernet dst another host's MAC")
      .send(arp_frame({}, kOtherMac));
  cs.emplace_back("arp_request_to_multicast_mac", "ARP request for our address, Ethernet dst 01:00:5e:00:00:01")
      .send(arp_frame({}, kAllHostsMac));
  cs.emplace_back("arp_request_padded", "ARP request for our address padded to 60 bytes as on a wire")
      .send(pad_to(arp_frame({}), 60));
  cs.emplace_back("arp_request_target_mac_set", "ARP request for our address whose target MAC is ff:ff:ff:ff:ff:ff")
      .send(arp_frame({.tha = MacAddr::broadcast()}));
  cs.emplace_back("arp_request_eth_src_differs", "ARP request whose Ethernet source differs from its sender MAC")
      .send(arp_frame({}, MacAddr::broadcast(), kOtherMac));
  cs.emplace_back("arp_request_for_other_ip", "ARP request for another address on the subnet: not answered")
      .send(arp_frame({.tpa = kOtherIp}));
  cs.emplace_back("arp_request_for_subnet_broadcast", "ARP request for the subnet broadcast address")
      .send(arp_frame({.tpa = kSubnetBroadcast}));
  cs.emplace_back("arp_request_from_off_subnet", "ARP request for our address from a sender outside our subnet")
      .send(arp_frame({.spa = kOffLink}));
  cs.emplace_back("arp_request_sender_broadcast_ip", "ARP request for our address with sender IP 10.0.0.255")
      .send(arp_frame({.spa = kSubnetBroadcast}));
  cs.emplace_back("arp_request_sender_multicast_ip", "ARP request for our address with sender IP 224.0.0.9")
      .send(arp_frame({.spa = Ipv4Addr::from_octets(224, 0, 0, 9)}));
  cs.emplace_back("arp_request_sender_loopback_ip", "ARP request for our address with sender IP 127.0.0.1")
      .send(arp_frame({.spa = Ipv4Addr::from_octets(127, 0, 0, 1)}));
  cs.emplace_back("arp_request_sender_multicast_mac", "ARP request for our address with sender MAC 01:00:5e:00:00:01")
      .send(arp_frame({.sha = kAllHostsMac}));
  cs.emplace_back("arp_gratuitous_request_then_echo",
                  "gratuitous ARP request from the peer, then its ping: does the announcement create an entry?")
      .send(arp_frame({.spa = kPeerIp, .tpa = kPeerIp}))
      .send(ping());
  cs.emplace_back("arp_gratuitous_reply_then_echo",
                  "gratuitous ARP reply (broadcast) from the peer, then its ping: entry created or not")
      .send(arp_frame({.op = ArpOp::reply, .spa = kPeerIp, .tha = MacAddr::broadcast(), .tpa = kPeerIp}))
      .send(ping());
  cs.emplace_back("arp_unsolicited_reply_then_echo", "unsolicited unicast ARP reply from the peer, then its ping")
      .send(arp_frame({.op = ArpOp::reply, .tha = kHostMac}, kHostMac))
      .send(ping());
  cs.emplace_back("arp_probe_for_us", "RFC 5227 probe (sender 0.0.0.0) for our address: defended with a reply")
      .send(arp_frame({.spa = Ipv4Addr::any()}));
  cs.emplace_back("arp_probe_for_other", "RFC 5227 probe for another address: ignored")
      .send(arp_frame({.spa = Ipv4Addr::any(), .tpa = kOtherIp}));
  {
    const MacAddr new_mac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x05}};
    const Ipv4Addr new_ip = Ipv4Addr::from_octets(10, 0, 0, 5);
    Ip h;
    h.src = new_ip;
    cs.emplace_back("arp_announcement_then_echo", "RFC 5227 announcement by a new host 10.0.0.5, then its ping")
        .send(arp_frame({.sha = new_mac, .spa = new_ip, .tpa = new_ip}, MacAddr::broadcast(), new_mac))
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), kHostMac, new_mac));
  }
  cs.emplace_back("arp_conflict_gratuitous", "another MAC announces our address (gratuitous request): a conflict")
      .send(arp_frame({.sha = kOtherMac, .spa = kHostIp, .tpa = kHostIp}, MacAddr::broadcast(), kOtherMac));
  cs.emplace_back("arp_conflict_request", "another MAC asks for the peer claiming our address as sender")
      .send(arp_frame({.sha = kOtherMac, .spa = kHostIp, .tpa = kPeerIp}, MacAddr::broadcast(), kOtherMac));
  cs.emplace_back("arp_conflict_reply", "another MAC sends us an ARP reply claiming our address")
      .send(arp_frame({.op = ArpOp::reply, .sha = kOtherMac, .spa = kHostIp, .tha = kHostMac, .tpa = kHostIp}, kHostMac,
                      kOtherMac));
  {
    Buf a = arp({});
    store_be16(a, 0, kArpHardwareIeee802);
    cs.emplace_back("arp_htype_ieee802", "ARP request with hardware type 6 (IEEE 802), which Linux accepts")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  {
    Buf a = arp({});
    store_be16(a, 0, 2);
    cs.emplace_back("arp_bad_htype", "ARP request with hardware type 2: dropped")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  {
    Buf a = arp({});
    store_be16(a, 2, 0x86dd);
    cs.emplace_back("arp_bad_ptype", "ARP request with protocol type 0x86dd: dropped")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  {
    Buf a = arp({});
    store_u8(a, 4, 8);
    cs.emplace_back("arp_bad_hlen", "ARP request with hardware length 8: dropped")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  {
    Buf a = arp({});
    store_u8(a, 5, 16);
    cs.emplace_back("arp_bad_plen", "ARP request with protocol length 16: dropped")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  {
    Buf a = arp({});
    store_be16(a, 6, 3);
    cs.emplace_back("arp_op_rarp_request", "ARP packet with opcode 3 (RARP request) for our address: dropped")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  {
    Buf a = arp({});
    store_be16(a, 6, 0);
    cs.emplace_back("arp_op_zero", "ARP packet with opcode 0 for our address: dropped")
        .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, a));
  }
  cs.emplace_back("arp_truncated", "ARP request cut after 20 of its 28 bytes: dropped")
      .send(eth(MacAddr::broadcast(), kPeerMac, 0x0806, slice(arp({}), 0, 20)));
  cs.emplace_back("arp_request_new_mac_then_echo",
                  "the peer's ARP request from a new MAC 100 ms after the seed, then its ping: which MAC is used")
      .seed()
      .send(arp_frame({.sha = kPeerNewMac}, MacAddr::broadcast(), kPeerNewMac), 100)
      .send(ping());
  cs.emplace_back("arp_reply_new_mac_within_locktime_then_echo",
                  "a unicast ARP reply with a new MAC for the peer 50 ms after the seed (within locktime), then a ping")
      .seed()
      .send(arp_frame({.op = ArpOp::reply, .sha = kPeerNewMac, .tha = kHostMac}, kHostMac, kPeerNewMac), 50)
      .send(ping());
  cs.emplace_back("arp_reply_new_mac_after_locktime_then_echo",
                  "a unicast ARP reply with a new MAC for the peer 1.5 s after the seed (past locktime), then a ping")
      .seed()
      .send(arp_frame({.op = ArpOp::reply, .sha = kPeerNewMac, .tha = kHostMac}, kHostMac, kPeerNewMac), 1500)
      .send(ping());
  cs.emplace_back("arp_seed_then_echo_from_other_eth_src",
                  "seed, then a ping whose Ethernet source is another MAC: the reply follows the ARP cache")
      .seed()
      .send(ip_frame(ipv4({}, echo_request(1, pattern(56))), kHostMac, kOtherMac));
}

// Echo -----------------------------------------------------------------------------------------

// ping -R: NOP, then record route with nine empty slots (iputils' layout).
Buf record_route_option(std::uint8_t pointer = 4) {
  Buf o = bytes({0x01, 0x07, 39, pointer});
  return cat(o, filled(36, 0));
}

// ping -T tsonly: timestamp option, 40 bytes, flag 0 (timestamps only).
Buf ts_only_option() { return cat(bytes({0x44, 40, 5, 0x00}), filled(36, 0)); }
// ping -T tsandaddr: 36 bytes of (address, timestamp) pairs, flag 1.
Buf ts_and_addr_option() { return cat(bytes({0x44, 36, 5, 0x01}), filled(32, 0)); }
// ping -T tsprespec 10.0.0.2 10.0.0.1: prespecified addresses, flag 3.
Buf ts_prespec_option() {
  return cat(bytes({0x44, 20, 5, 0x03}), cat(bytes({10, 0, 0, 2, 0, 0, 0, 0}), bytes({10, 0, 0, 1, 0, 0, 0, 0})));
}

Ip with_options(Buf options) {
  Ip h;
  h.options = std::move(options);
  return h;
}

void echo_cases(Cases& cs) {
  cs.emplace_back("echo_basic", "ping with 56 bytes of data (iputils default): echo reply").seed().send(ping(56));
  cs.emplace_back("echo_payload_0", "ping -s 0").seed().send(ping(0));
  cs.emplace_back("echo_payload_1", "ping -s 1: odd length for the checksum").seed().send(ping(1));
  cs.emplace_back("echo_payload_1472", "ping -s 1472: the largest unfragmented echo on a 1500 MTU").seed().send(ping(1472));
  {
    Ip h;
    h.flags_frag = 0;
    cs.emplace_back("echo_no_df", "ping without DF").seed().send(ping(56, 1, h));
  }
  for (auto [tos, what] : {std::pair{0x10, "lowdelay"}, std::pair{0xb8, "dscp_ef"}, std::pair{0x03, "ecn_ce"},
                           std::pair{0xff, "all_bits"}}) {
    Ip h;
    h.tos = static_cast<std::uint8_t>(tos);
    char desc[80];
    std::snprintf(desc, sizeof desc, "ping with TOS 0x%02x: is the TOS copied to the reply", tos);
    cs.emplace_back(std::string("echo_tos_") + what, desc).seed().send(ping(56, 1, h));
  }
  {
    Ip h;
    h.ttl = 1;
    cs.emplace_back("echo_ttl_1", "ping with TTL 1 (addressed to us: delivered)").seed().send(ping(56, 1, h));
    h.ttl = 0;
    cs.emplace_back("echo_ttl_0", "ping with TTL 0 addressed to us").seed().send(ping(56, 1, h));
  }
  {
    Ip h;
    h.flags_frag = kIpv4FlagReserved | kIpv4FlagDontFragment;
    cs.emplace_back("echo_reserved_flag", "ping with the reserved (evil) IP flag bit set").seed().send(ping(56, 1, h));
  }
  cs.emplace_back("echo_code_nonzero", "echo request with code 7: what code does the reply carry")
      .seed()
      .send(ip_frame(ipv4({}, icmp(8, 7, (std::uint32_t{kPingIdent} << 16) | 1, pattern(56)))));
  cs.emplace_back("echo_two_requests", "two pings 10 ms apart: two replies").seed().send(ping(56, 1)).send(ping(56, 2));
  {
    Case& c = cs.emplace_back("echo_burst_20", "20 pings 2 ms apart: echo replies are not rate limited");
    c.seed();
    for (std::uint16_t i = 1; i <= 20; ++i) c.send(ping(56, i), 2);
  }
  {
    Ip h;
    h.dst = kSubnetBroadcast;
    cs.emplace_back("echo_to_subnet_broadcast", "ping to 10.0.0.255 (icmp_echo_ignore_broadcasts=1: ignored)")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), MacAddr::broadcast()));
    h.dst = Ipv4Addr::limited_broadcast();
    cs.emplace_back("echo_to_limited_broadcast", "ping to 255.255.255.255: ignored")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), MacAddr::broadcast()));
    h.dst = kAllHosts;
    h.ttl = 1;
    cs.emplace_back("echo_to_all_hosts_multicast", "ping to 224.0.0.1 (joined by every host): ignored like broadcast")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), kAllHostsMac));
    h.dst = Ipv4Addr::from_octets(239, 1, 2, 3);
    cs.emplace_back("echo_to_unjoined_multicast", "ping to 239.1.2.3, a group we have not joined")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), MacAddr{{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}}));
    h.dst = kSubnetBroadcast;
    h.ttl = 64;
    cs.emplace_back("echo_to_subnet_broadcast_unicast_mac", "ping to 10.0.0.255 inside a frame to our MAC")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56)))));
  }
  cs.emplace_back("echo_unicast_ip_broadcast_mac", "ping to our IP inside an Ethernet broadcast frame")
      .seed()
      .send(ip_frame(ipv4({}, echo_request(1, pattern(56))), MacAddr::broadcast()));
  cs.emplace_back("echo_unicast_ip_multicast_mac", "ping to our IP inside a frame to 01:00:5e:00:00:01")
      .seed()
      .send(ip_frame(ipv4({}, echo_request(1, pattern(56))), kAllHostsMac));
  cs.emplace_back("echo_to_other_mac", "ping to our IP inside a frame to another host's MAC: not for us")
      .seed()
      .send(ip_frame(ipv4({}, echo_request(1, pattern(56))), kOtherMac));
  {
    Ip h;
    h.dst = kOtherIp;
    cs.emplace_back("echo_to_other_ip", "ping to 10.0.0.99 inside a frame to our MAC: we do not forward")
        .seed()
        .send(ping(56, 1, h));
    h.dst = Ipv4Addr::from_octets(192, 168, 9, 9);
    cs.emplace_back("echo_to_off_subnet_ip", "ping to 192.168.9.9 inside a frame to our MAC: we do not forward")
        .seed()
        .send(ping(56, 1, h));
  }
  {
    Buf d = ipv4({}, echo_request(1, pattern(56)));
    store_be16(d, 20 + icmp_field::checksum, static_cast<std::uint16_t>(load_be16(d, 20 + icmp_field::checksum) ^ 0x5a5a));
    cs.emplace_back("echo_bad_icmp_checksum", "ping with a wrong ICMP checksum: dropped").seed().send(ip_frame(d));
  }
  {
    Buf d = ipv4({}, echo_request(1, pattern(56)));
    store_be16(d, ipv4_field::checksum, static_cast<std::uint16_t>(load_be16(d, ipv4_field::checksum) ^ 0x1111));
    cs.emplace_back("echo_bad_ip_checksum", "ping with a wrong IP header checksum: dropped").seed().send(ip_frame(d));
  }
  cs.emplace_back("echo_eth_padding", "ping -s 0 padded with zeros to the 60-byte Ethernet minimum")
      .seed()
      .send(pad_to(ping(0), 60));
  cs.emplace_back("echo_trailing_garbage", "ping followed by 16 bytes of 0xaa after the datagram's total length")
      .seed()
      .send(cat(ping(56), filled(16, 0xaa)));
  {
    Buf d = ipv4({}, echo_request(1, pattern(56)));
    store_be16(d, ipv4_field::total_len, static_cast<std::uint16_t>(d.size() + 20));
    cs.emplace_back("echo_total_len_beyond_frame", "ping whose IP total length is 20 bytes more than the frame holds")
        .seed()
        .send(ip_frame(refresh_ip_checksum(d)));
  }
  {
    Buf d = ipv4({}, echo_request(1, pattern(56)));
    store_be16(d, ipv4_field::total_len, 16);
    cs.emplace_back("echo_total_len_below_header", "ping whose IP total length (16) is below its header length")
        .seed()
        .send(ip_frame(refresh_ip_checksum(d)));
  }
  {
    Buf d = ipv4({}, echo_request(1, pattern(56)));
    store_u8(d, 0, 0x44);
    cs.emplace_back("echo_ihl_4", "ping with IHL 4 (16-byte header): dropped").seed().send(ip_frame(refresh_ip_checksum(d)));
  }
  {
    Buf d = ipv4({}, echo_request(1, pattern(56)));
    store_u8(d, 0, 0x65);
    cs.emplace_back("echo_version_6", "ping with IP version 6 in an IPv4 EtherType frame: dropped")
        .seed()
        .send(ip_frame(refresh_ip_checksum(d)));
  }
  for (auto [src, what, desc] :
       {std::tuple{Ipv4Addr::from_octets(127, 0, 0, 1), "loopback", "ping from 127.0.0.1 (martian)"},
        std::tuple{Ipv4Addr::any(), "zero", "ping from 0.0.0.0"},
        std::tuple{Ipv4Addr::from_octets(0, 1, 2, 3), "zeronet", "ping from 0.1.2.3 (0/8)"},
        std::tuple{Ipv4Addr::from_octets(224, 0, 0, 5), "multicast", "ping from multicast 224.0.0.5"},
        std::tuple{Ipv4Addr::limited_broadcast(), "limited_broadcast", "ping from 255.255.255.255"},
        std::tuple{kSubnetBroadcast, "subnet_broadcast", "ping from the subnet broadcast 10.0.0.255"},
        std::tuple{Ipv4Addr::from_octets(240, 0, 0, 1), "class_e", "ping from class E 240.0.0.1"},
        std::tuple{kHostIp, "own_address", "ping from our own address 10.0.0.2"},
        std::tuple{kOffLink, "off_subnet", "ping from 192.168.7.7: no route back (no default route)"}}) {
    Ip h;
    h.src = src;
    cs.emplace_back(std::string("echo_from_") + what, desc).seed().send(ping(56, 1, h));
  }
  {
    Ip h;
    h.src = Ipv4Addr::from_octets(10, 0, 0, 3);
    cs.emplace_back("echo_from_unknown_neighbour", "ping from 10.0.0.3, which never sent ARP (seed was 10.0.0.1's)")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), kHostMac, kOtherMac));
  }
}

// IP options -----------------------------------------------------------------------------------

void option_cases(Cases& cs) {
  auto echo_with = [](Buf options) { return ip_frame(ipv4(with_options(std::move(options)), echo_request(1, pattern(56)))); };
  cs.emplace_back("opt_record_route", "ping -R: record route option with nine empty slots").seed().send(echo_with(record_route_option()));
  {
    Buf o = bytes({0x01, 0x07, 11, 12});  // NOP, RR len 11 (two slots), pointer past the end: full
    o = cat(o, cat(bytes({10, 0, 0, 1}), bytes({10, 0, 0, 9})));
    cs.emplace_back("opt_record_route_full", "record route option whose slots are all used").seed().send(echo_with(o));
  }
  cs.emplace_back("opt_record_route_bad_pointer", "record route option with pointer 3 (below the minimum 4)")
      .seed()
      .send(echo_with(record_route_option(3)));
  cs.emplace_back("opt_timestamp_only", "ping -T tsonly: timestamp option, timestamps only").seed().send(echo_with(ts_only_option()));
  cs.emplace_back("opt_timestamp_and_addr", "ping -T tsandaddr: timestamp option with addresses")
      .seed()
      .send(echo_with(ts_and_addr_option()));
  cs.emplace_back("opt_timestamp_prespec", "ping -T tsprespec 10.0.0.2 10.0.0.1: prespecified addresses")
      .seed()
      .send(echo_with(ts_prespec_option()));
  cs.emplace_back("opt_timestamp_full", "timestamp option with no free slot: the overflow count goes up")
      .seed()
      .send(echo_with(cat(bytes({0x44, 12, 13, 0x20}), bytes({0, 0, 0, 1, 0, 0, 0, 2}))));
  cs.emplace_back("opt_timestamp_overflow_15", "full timestamp option whose overflow count is already 15")
      .seed()
      .send(echo_with(cat(bytes({0x44, 12, 13, 0xf0}), bytes({0, 0, 0, 1, 0, 0, 0, 2}))));
  cs.emplace_back("opt_nops", "four NOP options").seed().send(echo_with(bytes({1, 1, 1, 1})));
  cs.emplace_back("opt_eol_then_garbage", "EOL option followed by non-zero bytes")
      .seed()
      .send(echo_with(bytes({0, 0x55, 0x66, 0x77})));
  cs.emplace_back("opt_unknown", "an unknown option (type 0x9e, length 4)").seed().send(echo_with(bytes({0x9e, 4, 0xab, 0xcd})));
  cs.emplace_back("opt_router_alert", "router alert option (RFC 2113)").seed().send(echo_with(bytes({0x94, 4, 0, 0})));
  cs.emplace_back("opt_bad_length_long", "an option whose length runs past the header")
      .seed()
      .send(echo_with(bytes({0x9e, 12, 0, 0})));
  cs.emplace_back("opt_bad_length_1", "an option with length 1").seed().send(echo_with(bytes({0x9e, 1, 0, 0})));
  cs.emplace_back("opt_loose_source_route", "loose source route option that ends at us (accept_source_route=0)")
      .seed()
      .send(echo_with(cat(bytes({0x01, 0x83, 7, 8}), bytes({10, 0, 0, 2}))));
  cs.emplace_back("opt_strict_source_route", "strict source route option that ends at us (accept_source_route=0)")
      .seed()
      .send(echo_with(cat(bytes({0x01, 0x89, 7, 8}), bytes({10, 0, 0, 2}))));
  {
    Ip h = with_options(bytes({0x9e, 12, 0, 0}));
    h.dst = kSubnetBroadcast;
    cs.emplace_back("opt_bad_length_to_broadcast", "malformed option in a ping to the subnet broadcast: no parameter problem")
        .seed()
        .send(ip_frame(ipv4(h, echo_request(1, pattern(56))), MacAddr::broadcast()));
  }
  {
    Ip h = with_options(record_route_option());
    h.protocol = IpProtocol::udp;
    cs.emplace_back("opt_record_route_udp_closed_port", "UDP to a closed port with record route: the error echoes the option")
        .seed()
        .send(ip_frame(ipv4(h, udp(kPeerIp, kHostIp, 45000, 33434, pattern(32, 0x40)))));
  }
}

// Neighbour resolution (no seed) ---------------------------------------------------------------

void neighbour_cases(Cases& cs) {
  cs.emplace_back("resolve_echo_unknown_peer", "ping from a peer never heard over ARP: we ARP for it first")
      .send(ping());
  cs.emplace_back("resolve_echo_then_arp_reply", "ping from an unknown peer, its ARP reply 50 ms later: the held reply goes out")
      .send(ping())
      .send(arp_frame({.op = ArpOp::reply, .tha = kHostMac}, kHostMac), 50);
  cs.emplace_back("resolve_two_echoes_then_arp_reply", "two pings held during resolution, then the ARP reply: both answered")
      .send(ping(56, 1))
      .send(ping(56, 2))
      .send(arp_frame({.op = ArpOp::reply, .tha = kHostMac}, kHostMac), 50);
  cs.emplace_back("resolve_unanswered_3s", "ping from an unknown peer that never answers ARP: broadcast retries, then give up")
      .send(ping())
      .window(3500);
  cs.emplace_back("resolve_stale_probe", "seed, ping answered; 5 s later the entry is re-checked with unicast probes")
      .seed()
      .send(ping())
      .window(6600);
}

// Fragments ------------------------------------------------------------------------------------

Buf echo_message(std::size_t data_len, std::uint16_t seq = 1) { return echo_request(seq, pattern(data_len)); }

void fragment_cases(Cases& cs) {
  const Buf m1000 = echo_message(992);  // a 1000-byte ICMP message
  Ip h;
  h.flags_frag = 0;
  h.ident = 0xbeef;
  cs.emplace_back("frag_two_in_order", "1000-byte echo in two fragments, in order")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 512, 488));
  cs.emplace_back("frag_two_reversed", "1000-byte echo in two fragments, last first")
      .seed()
      .send(fragment(h, m1000, 512, 488))
      .send(fragment(h, m1000, 0, 512));
  cs.emplace_back("frag_three_out_of_order", "1000-byte echo in three fragments sent 3rd, 1st, 2nd")
      .seed()
      .send(fragment(h, m1000, 800, 200))
      .send(fragment(h, m1000, 0, 400))
      .send(fragment(h, m1000, 400, 400));
  cs.emplace_back("frag_exact_duplicate", "first fragment twice, then the last")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 512, 488));
  cs.emplace_back("frag_overlap_same_data", "fragments overlapping by 256 bytes of identical data")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 256, 744));
  {
    Buf other = m1000;
    for (std::size_t i = 504; i < 512; ++i) other[i] = std::byte{0xee};
    cs.emplace_back("frag_overlap_different_data", "second fragment rewrites the last 8 bytes of the first")
        .seed()
        .send(fragment(h, m1000, 0, 512))
        .send(fragment(h, other, 504, 496));
  }
  cs.emplace_back("frag_overlap_then_resend", "overlapping fragments, then the datagram again in two clean fragments")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 256, 744))
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 512, 488));
  cs.emplace_back("frag_tiny_first", "first fragment of only 8 bytes (the ICMP header)")
      .seed()
      .send(fragment(h, m1000, 0, 8))
      .send(fragment(h, m1000, 8, 992));
  cs.emplace_back("frag_different_ids", "two halves with different IP identifications: never complete")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .send([&] {
        Ip other = h;
        other.ident = 0xbef0;
        return fragment(other, m1000, 512, 488);
      }());
  cs.emplace_back("frag_zero_length", "a zero-length fragment between the two halves")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .send(fragment(h, m1000, 512, 0, 1))
      .send(fragment(h, m1000, 512, 488));
  cs.emplace_back("frag_length_not_multiple_of_8", "a middle fragment of 500 bytes with MF set (not a multiple of 8)")
      .seed()
      .send(fragment(h, m1000, 0, 500))
      .send(fragment(h, m1000, 504, 496));
  {
    Ip df = h;
    df.flags_frag = kIpv4FlagDontFragment;
    cs.emplace_back("frag_df_and_mf", "fragments that also carry DF").seed().send(fragment(df, m1000, 0, 512)).send(fragment(df, m1000, 512, 488));
  }
  const Buf m4008 = echo_message(4000);
  cs.emplace_back("frag_echo_4000", "ping -s 4000 in three fragments: the reply is fragmented too")
      .seed()
      .send(fragment(h, m4008, 0, 1480))
      .send(fragment(h, m4008, 1480, 1480))
      .send(fragment(h, m4008, 2960, 1048));
  cs.emplace_back("frag_echo_4000_reversed", "ping -s 4000 in three fragments sent last to first")
      .seed()
      .send(fragment(h, m4008, 2960, 1048))
      .send(fragment(h, m4008, 1480, 1480))
      .send(fragment(h, m4008, 0, 1480));
  {
    // ping -s 65507: total length exactly 65535, the largest legal datagram.
    const Buf big = echo_message(65507);
    Case& c = cs.emplace_back("frag_echo_65507", "ping -s 65507 (total length 65535): reassembled and answered");
    c.seed();
    for (std::size_t off = 0; off < big.size(); off += 1480) c.send(fragment(h, big, off, std::min<std::size_t>(1480, big.size() - off)), 2);
  }
  {
    // One byte more: reassembles to 65536 bytes, the ping of death.
    const Buf big = echo_message(65508);
    Case& c = cs.emplace_back("frag_ping_of_death", "fragments that reassemble to 65536 bytes (ping of death): dropped");
    c.seed();
    for (std::size_t off = 0; off < big.size(); off += 1480) c.send(fragment(h, big, off, std::min<std::size_t>(1480, big.size() - off)), 2);
  }
  {
    Ip u = h;
    u.protocol = IpProtocol::udp;
    const Buf seg = udp(kPeerIp, kHostIp, 45000, 33434, pattern(992, 0x40));
    cs.emplace_back("frag_udp_closed_port", "UDP to a closed port in two fragments: port unreachable quotes the reassembled header")
        .seed()
        .send(fragment(u, seg, 0, 512))
        .send(fragment(u, seg, 512, 488));
    cs.emplace_back("frag_udp_closed_port_non_first_only", "only the second fragment of a UDP datagram to a closed port")
        .seed()
        .send(fragment(u, seg, 512, 488));
  }
  cs.emplace_back("frag_first_only_short", "only the first fragment, watched 1 s: nothing before the 30 s timeout")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .window(1000);
  // Long cases: the reassembly timeout (ipfrag_time = 30 s).
  cs.emplace_back("frag_timeout_first_only", "only the first fragment: time exceeded (reassembly) after 30 s")
      .seed()
      .send(fragment(h, m1000, 0, 512))
      .window(31'000);
  cs.emplace_back("frag_timeout_middle_only", "only a middle fragment: silently dropped after 30 s")
      .seed()
      .send(fragment(h, m1000, 400, 400))
      .window(31'000);
  cs.emplace_back("frag_timeout_first_and_last", "first and last of three fragments: time exceeded after 30 s")
      .seed()
      .send(fragment(h, m1000, 0, 400))
      .send(fragment(h, m1000, 800, 200))
      .window(31'000);
}

// Other ICMP -----------------------------------------------------------------------------------

Buf icmp_frame(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Buf& data, Ip h = {}) {
  return ip_frame(ipv4(h, icmp(type, code, rest, data)));
}

// The quote an ICMP error about a UDP datagram from us to the peer would carry.
Buf quoted_udp_from_us() {
  Ip q;
  q.src = kHostIp;
  q.dst = kPeerIp;
  q.protocol = IpProtocol::udp;
  return slice(ipv4(q, udp(kHostIp, kPeerIp, 5353, 9999, pattern(32))), 0, 28);
}

void icmp_cases(Cases& cs) {
  // originate = 12:00:00.000 UT, receive/transmit zero, as a sender fills them
  const Buf ts_data = cat(bytes({0x02, 0x93, 0x2e, 0x00}), filled(8, 0));
  cs.emplace_back("icmp_timestamp_request", "ICMP timestamp request: timestamp reply (times masked in the comparison)")
      .seed()
      .send(icmp_frame(13, 0, 0x12340001, ts_data));
  cs.emplace_back("icmp_timestamp_request_short", "ICMP timestamp request with only 4 bytes of data")
      .seed()
      .send(icmp_frame(13, 0, 0x12340001, slice(ts_data, 0, 4)));
  cs.emplace_back("icmp_timestamp_request_no_data", "ICMP timestamp request with no data after the header")
      .seed()
      .send(icmp_frame(13, 0, 0x12340001, {}));
  {
    Ip h;
    h.dst = kSubnetBroadcast;
    cs.emplace_back("icmp_timestamp_to_broadcast", "ICMP timestamp request to the subnet broadcast")
        .seed()
        .send(ip_frame(ipv4(h, icmp(13, 0, 0x12340001, ts_data)), MacAddr::broadcast()));
  }
  cs.emplace_back("icmp_info_request", "ICMP information request (type 15, obsolete)").seed().send(icmp_frame(15, 0, 0x12340001, {}));
  cs.emplace_back("icmp_address_mask_request", "ICMP address mask request (type 17)")
      .seed()
      .send(icmp_frame(17, 0, 0x12340001, filled(4, 0)));
  cs.emplace_back("icmp_echo_reply_unsolicited", "an echo reply nobody asked for").seed().send(icmp_frame(0, 0, 0x12340001, pattern(56)));
  cs.emplace_back("icmp_dest_unreachable_inbound", "port unreachable about a datagram we supposedly sent")
      .seed()
      .send(icmp_frame(3, 3, 0, quoted_udp_from_us()));
  cs.emplace_back("icmp_time_exceeded_inbound", "time exceeded about a datagram we supposedly sent")
      .seed()
      .send(icmp_frame(11, 0, 0, quoted_udp_from_us()));
  cs.emplace_back("icmp_source_quench_inbound", "source quench about a datagram we supposedly sent")
      .seed()
      .send(icmp_frame(4, 0, 0, quoted_udp_from_us()));
  cs.emplace_back("icmp_redirect_inbound", "redirect from the peer (to 10.0.0.99) for a datagram we supposedly sent")
      .seed()
      .send(icmp_frame(5, 1, kOtherIp.value, quoted_udp_from_us()));
  cs.emplace_back("icmp_router_solicitation", "router solicitation to us (we are not a router)").seed().send(icmp_frame(10, 0, 0, {}));
  cs.emplace_back("icmp_unknown_type_42", "ICMP type 42 (extended echo request) with no data").seed().send(icmp_frame(42, 0, 0, {}));
  cs.emplace_back("icmp_unknown_type_99", "ICMP type 99, unassigned").seed().send(icmp_frame(99, 0, 0, pattern(8)));
  {
    Ip h;
    cs.emplace_back("icmp_truncated", "an ICMP message of 4 bytes").seed().send(ip_frame(ipv4(h, bytes({8, 0, 0xf7, 0xff}))));
  }
  {
    // A port unreachable whose IP header carries a malformed option: an error about an error
    // is never sent, so no parameter problem.
    Ip h = with_options(bytes({0x9e, 12, 0, 0}));
    cs.emplace_back("icmp_error_with_bad_option", "an ICMP error carrying a malformed IP option: no error about an error")
        .seed()
        .send(ip_frame(ipv4(h, icmp(3, 3, 0, quoted_udp_from_us()))));
  }
}

// UDP, TCP, other protocols --------------------------------------------------------------------

void transport_cases(Cases& cs) {
  cs.emplace_back("udp_closed_port", "UDP to a closed port (traceroute's 33434): port unreachable").seed().send(ip_frame(udp_datagram()));
  cs.emplace_back("udp_closed_port_zero_checksum", "UDP without checksum (0) to a closed port")
      .seed()
      .send(ip_frame(udp_datagram(pattern(32, 0x40), {}, 33434, false)));
  {
    Buf d = udp_datagram();
    store_be16(d, 20 + 6, static_cast<std::uint16_t>(load_be16(d, 26) ^ 0x0f0f));
    cs.emplace_back("udp_bad_checksum", "UDP with a wrong checksum to a closed port: dropped, no error").seed().send(ip_frame(d));
  }
  {
    Buf d = udp_datagram();
    store_be16(d, 20 + 4, 200);  // UDP length beyond the IP payload
    cs.emplace_back("udp_length_beyond_datagram", "UDP whose length field exceeds the IP payload").seed().send(ip_frame(d));
  }
  cs.emplace_back("udp_port_0", "UDP to port 0").seed().send(ip_frame(udp_datagram(pattern(32, 0x40), {}, 0)));
  cs.emplace_back("udp_large_quote", "UDP with 1200 bytes to a closed port: the error quotes up to 576 bytes")
      .seed()
      .send(ip_frame(udp_datagram(pattern(1200, 0x40))));
  {
    Ip h;
    h.tos = 0xb8;
    h.ttl = 3;
    cs.emplace_back("udp_closed_port_tos", "UDP with TOS 0xb8 and TTL 3 to a closed port: the error's TOS")
        .seed()
        .send(ip_frame(udp_datagram(pattern(32, 0x40), h)));
  }
  {
    Ip h;
    h.dst = kSubnetBroadcast;
    cs.emplace_back("udp_to_subnet_broadcast", "UDP to 10.0.0.255:33434: no error for a broadcast")
        .seed()
        .send(ip_frame(udp_datagram(pattern(32, 0x40), h), MacAddr::broadcast()));
    h.dst = Ipv4Addr::limited_broadcast();
    cs.emplace_back("udp_to_limited_broadcast", "UDP to 255.255.255.255:33434: no error")
        .seed()
        .send(ip_frame(udp_datagram(pattern(32, 0x40), h), MacAddr::broadcast()));
    h.dst = kAllHosts;
    h.ttl = 1;
    cs.emplace_back("udp_to_multicast", "UDP to 224.0.0.1:33434: no error for a multicast")
        .seed()
        .send(ip_frame(udp_datagram(pattern(32, 0x40), h), kAllHostsMac));
  }
  cs.emplace_back("udp_unicast_ip_broadcast_mac", "UDP to our IP in an Ethernet broadcast frame: no error to a link broadcast")
      .seed()
      .send(ip_frame(udp_datagram(), MacAddr::broadcast()));
  {
    Ip h;
    h.src = kOffLink;
    cs.emplace_back("udp_from_off_subnet", "UDP to a closed port from 192.168.7.7: no route back, no error")
        .seed()
        .send(ip_frame(udp_datagram(pattern(32, 0x40), h)));
  }
  {
    Case& c = cs.emplace_back("udp_rate_limit_burst", "10 UDP datagrams to closed ports 10 ms apart: the error burst is limited");
    c.seed();
    for (std::uint16_t i = 0; i < 10; ++i) c.send(ip_frame(udp_datagram(pattern(32, 0x40), {}, static_cast<std::uint16_t>(33434 + i))));
  }
  {
    Case& c = cs.emplace_back("udp_rate_limit_refill", "8 UDP datagrams to closed ports, then one more 1.2 s later");
    c.seed();
    for (std::uint16_t i = 0; i < 8; ++i) c.send(ip_frame(udp_datagram(pattern(32, 0x40), {}, static_cast<std::uint16_t>(33434 + i))));
    c.send(ip_frame(udp_datagram(pattern(32, 0x40), {}, 33500)), 1200);
  }
  cs.emplace_back("tcp_syn_closed_port", "TCP SYN to closed port 80: RST+ACK")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::syn, 0x11223344, 0)));
  {
    // Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
    const Buf opts = bytes({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x10, 0, 0, 0, 0, 0, 1, 3, 3, 7});
    cs.emplace_back("tcp_syn_with_options", "TCP SYN with Linux's options (MSS, SACK, TS, WS) to a closed port")
        .seed()
        .send(ip_frame(tcp_datagram(tcp_flag::syn, 0x11223344, 0, {}, {}, opts)));
  }
  cs.emplace_back("tcp_syn_with_data", "TCP SYN carrying 20 bytes of data: the RST acknowledges them")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::syn, 0x11223344, 0, pattern(20))));
  cs.emplace_back("tcp_ack_closed_port", "TCP ACK to a closed port: RST with the ACK's number as sequence")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::ack, 0x11223344, 0x55667788)));
  cs.emplace_back("tcp_psh_ack_data_closed_port", "TCP PSH+ACK with 10 bytes to a closed port")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::psh | tcp_flag::ack, 0x11223344, 0x55667788, pattern(10))));
  cs.emplace_back("tcp_fin_closed_port", "TCP FIN (no ACK) to a closed port")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::fin, 0x11223344, 0)));
  cs.emplace_back("tcp_null_flags", "TCP segment with no flags to a closed port").seed().send(ip_frame(tcp_datagram(0, 0x11223344, 0)));
  cs.emplace_back("tcp_rst_closed_port", "TCP RST to a closed port: nothing (never reset a reset)")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::rst, 0x11223344, 0)));
  {
    Buf d = tcp_datagram(tcp_flag::syn, 0x11223344, 0);
    store_be16(d, 20 + 16, static_cast<std::uint16_t>(load_be16(d, 36) ^ 0x0101));
    cs.emplace_back("tcp_syn_bad_checksum", "TCP SYN with a wrong checksum: dropped").seed().send(ip_frame(d));
  }
  {
    Ip h;
    h.dst = kSubnetBroadcast;
    cs.emplace_back("tcp_syn_to_broadcast", "TCP SYN to 10.0.0.255: no RST for a broadcast")
        .seed()
        .send(ip_frame(tcp_datagram(tcp_flag::syn, 0x11223344, 0, {}, h), MacAddr::broadcast()));
  }
  cs.emplace_back("tcp_syn_unicast_ip_broadcast_mac", "TCP SYN to our IP in an Ethernet broadcast frame")
      .seed()
      .send(ip_frame(tcp_datagram(tcp_flag::syn, 0x11223344, 0), MacAddr::broadcast()));
  {
    Ip h;
    h.src = kOffLink;
    cs.emplace_back("tcp_syn_from_off_subnet", "TCP SYN from 192.168.7.7: no route back")
        .seed()
        .send(ip_frame(tcp_datagram(tcp_flag::syn, 0x11223344, 0, {}, h)));
  }
  {
    Ip h;
    h.protocol = IpProtocol{253};
    cs.emplace_back("proto_253", "IP protocol 253 (experimental): protocol unreachable")
        .seed()
        .send(ip_frame(ipv4(h, pattern(40))));
    h.dst = kSubnetBroadcast;
    cs.emplace_back("proto_253_to_broadcast", "IP protocol 253 to the subnet broadcast: no error")
        .seed()
        .send(ip_frame(ipv4(h, pattern(40)), MacAddr::broadcast()));
  }
  {
    Ip h;
    h.protocol = IpProtocol{253};
    h.flags_frag = 0;
    h.ident = 0x7777;
    const Buf payload = pattern(1000);
    cs.emplace_back("proto_253_fragmented", "IP protocol 253 in two fragments: the error comes after reassembly")
        .seed()
        .send(fragment(h, payload, 0, 512))
        .send(fragment(h, payload, 512, 488));
  }
  {
    // IGMPv2 general query to 224.0.0.1 with router alert; we are only in the all-hosts group,
    // for which no report is ever sent (RFC 2236 §6).
    Ip h = with_options(bytes({0x94, 4, 0, 0}));
    h.protocol = IpProtocol::igmp;
    h.dst = kAllHosts;
    h.ttl = 1;
    h.tos = 0xc0;
    Buf query = bytes({0x11, 100, 0, 0, 0, 0, 0, 0});
    store_be16(query, 2, internet_checksum(query));
    cs.emplace_back("igmp_general_query", "IGMPv2 general query to 224.0.0.1")
        .seed()
        .send(ip_frame(ipv4(h, query), kAllHostsMac));
  }
}

// Link layer -----------------------------------------------------------------------------------

void link_cases(Cases& cs) {
  {
    // ICMPv6 echo request fe80::1 -> fe80::2 (checksum left 0: the frame must be ignored anyway).
    Buf ip6 = bytes({0x60, 0, 0, 0, 0, 16, 58, 64});
    ip6 = cat(ip6, cat(bytes({0xfe, 0x80, 0, 0, 0, 0, 0, 0}), bytes({0, 0, 0, 0, 0, 0, 0, 1})));
    ip6 = cat(ip6, cat(bytes({0xfe, 0x80, 0, 0, 0, 0, 0, 0}), bytes({0, 0, 0, 0, 0, 0, 0, 2})));
    ip6 = cat(ip6, cat(bytes({128, 0, 0, 0, 0x12, 0x34, 0, 1}), pattern(8)));
    cs.emplace_back("ipv6_echo_request", "an IPv6 ICMPv6 echo request to our MAC: ignored").seed().send(eth(kHostMac, kPeerMac, 0x86dd, ip6));
  }
  const Buf echo = ipv4({}, echo_request(1, pattern(56)));
  cs.emplace_back("vlan_tagged_echo", "ping inside an 802.1Q tag (VID 5)")
      .seed()
      .send(eth(kHostMac, kPeerMac, 0x8100, cat(bytes({0x00, 0x05, 0x08, 0x00}), echo)));
  cs.emplace_back("vlan_priority_tagged_echo", "ping inside an 802.1Q priority tag (VID 0, PCP 5)")
      .seed()
      .send(eth(kHostMac, kPeerMac, 0x8100, cat(bytes({0xa0, 0x00, 0x08, 0x00}), echo)));
  cs.emplace_back("qinq_tagged_echo", "ping inside 802.1ad + 802.1Q tags")
      .seed()
      .send(eth(kHostMac, kPeerMac, 0x88a8, cat(bytes({0x00, 0x07, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00}), echo)));
  cs.emplace_back("vlan_tagged_arp_request", "ARP request for our address inside an 802.1Q tag (VID 5)")
      .send(eth(MacAddr::broadcast(), kPeerMac, 0x8100, cat(bytes({0x00, 0x05, 0x08, 0x06}), arp({}))));
  {
    // 802.3 length + LLC (STP BPDU: DSAP/SSAP 0x42, UI) to the bridge group address.
    const Buf llc = cat(bytes({0x42, 0x42, 0x03}), filled(35, 0));
    cs.emplace_back("llc_stp_bpdu", "an 802.3/LLC spanning-tree BPDU").seed().send(
        eth(MacAddr{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}}, kPeerMac, static_cast<std::uint16_t>(llc.size()), llc));
    const Buf snap = cat(bytes({0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00}), echo);
    cs.emplace_back("llc_snap_ipv4_echo", "a ping inside 802.3/LLC/SNAP (RFC 1042) encapsulation")
        .seed()
        .send(eth(kHostMac, kPeerMac, static_cast<std::uint16_t>(snap.size()), snap));
  }
  cs.emplace_back("unknown_ethertype", "a frame to our MAC with EtherType 0x88b6").seed().send(eth(kHostMac, kPeerMac, 0x88b6, pattern(46)));
  cs.emplace_back("runt_header_only", "a 14-byte frame: Ethernet header with type IPv4 and nothing after").seed().send(
      eth(kHostMac, kPeerMac, 0x0800, {}));
  cs.emplace_back("runt_ip_truncated", "an IPv4 frame cut after 12 bytes of header").seed().send(
      eth(kHostMac, kPeerMac, 0x0800, slice(echo, 0, 12)));
  cs.emplace_back("eth_src_own_mac", "a ping whose Ethernet source is our own MAC")
      .seed()
      .send(ip_frame(echo, kHostMac, kHostMac));
  cs.emplace_back("eth_src_broadcast_mac", "a ping whose Ethernet source is ff:ff:ff:ff:ff:ff")
      .seed()
      .send(ip_frame(echo, kHostMac, MacAddr::broadcast()));
  cs.emplace_back("eth_src_multicast_mac", "a ping whose Ethernet source is a multicast MAC")
      .seed()
      .send(ip_frame(echo, kHostMac, kAllHostsMac));
  cs.emplace_back("arp_ethertype_with_ip_payload", "an IPv4 ping carried with the ARP EtherType")
      .seed()
      .send(eth(kHostMac, kPeerMac, 0x0806, echo));
}

// Path MTU (issue 13) ------------------------------------------------------------------------

// The first 28 bytes of an ICMP message of `type` that we (or `src`) sent to `dst` with 1400
// bytes of data: what a router quotes in "fragmentation needed" (RFC 792, RFC 1191 §4).
Buf quoted_icmp_from_us(std::uint8_t type = 0, Ipv4Addr dst = kPeerIp, Ipv4Addr src = kHostIp) {
  Ip q;
  q.src = src;
  q.dst = dst;
  q.flags_frag = 0;  // Linux's ICMP socket never sets DF
  q.ident = 0x5a5a;
  return slice(ipv4(q, icmp(type, 0, (std::uint32_t{kPingIdent} << 16) | 1, pattern(1400))), 0, 28);
}

// ICMP destination unreachable, fragmentation needed (type 3 code 4) with a next-hop MTU,
// from a router at `h.src` (the peer unless h says otherwise).
Buf frag_needed(std::uint16_t mtu, const Buf& quoted, Ip h = {}, MacAddr src = kPeerMac, MacAddr dst = kHostMac) {
  h.flags_frag = 0;
  return ip_frame(ipv4(h, icmp(3, 4, mtu, quoted)), dst, src);
}

void pmtu_cases(Cases& cs) {
  // Each case: a 1400-byte ping (a 1428-byte reply, unfragmented), the report about that reply,
  // then the same ping again: the second reply shows the MTU the host now uses for the peer.
  auto learn_then_ping = [&](const char* name, const char* what, std::uint16_t mtu, const Buf& quoted) -> Case& {
    return cs.emplace_back(name, what).seed().send(ping(1400, 1)).send(frag_needed(mtu, quoted)).send(ping(1400, 2));
  };
  learn_then_ping("pmtu_echo_after_frag_needed",
                  "frag needed (MTU 1000) quoting our echo reply, then a 1400-byte ping: the reply in 1000-byte fragments",
                  1000, quoted_icmp_from_us());
  learn_then_ping("pmtu_floor_552", "frag needed with MTU 300, below min_pmtu: the next reply is fragmented at 552", 300,
                  quoted_icmp_from_us());
  learn_then_ping("pmtu_mtu_68", "frag needed with MTU 68: raised to min_pmtu 552", 68, quoted_icmp_from_us());
  learn_then_ping("pmtu_mtu_zero", "frag needed with next-hop MTU 0 (a pre-RFC 1191 router): no plateau, 552", 0,
                  quoted_icmp_from_us());
  learn_then_ping("pmtu_mtu_552", "frag needed with MTU 552 exactly: fragments of 552", 552, quoted_icmp_from_us());
  learn_then_ping("pmtu_mtu_1499", "frag needed with MTU 1499: 1428 fits, the reply is whole", 1499, quoted_icmp_from_us());
  learn_then_ping("pmtu_mtu_1001_odd", "frag needed with MTU 1001: fragment data rounded down to 8 bytes", 1001,
                  quoted_icmp_from_us());
  learn_then_ping("pmtu_larger_than_link", "frag needed with MTU 9000 (above the link's 1500): ignored", 9000,
                  quoted_icmp_from_us());
  learn_then_ping("pmtu_not_ours_source", "frag needed quoting an echo reply from 10.0.0.99, not us: ignored", 1000,
                  quoted_icmp_from_us(0, kPeerIp, kOtherIp));
  learn_then_ping("pmtu_not_ours_echo_request", "frag needed quoting an echo request from us (we send none): ignored",
                  1000, quoted_icmp_from_us(8));
  learn_then_ping("pmtu_not_ours_timestamp_reply", "frag needed quoting a timestamp reply from us: ignored as Linux does",
                  1000, quoted_icmp_from_us(14));
  learn_then_ping("pmtu_not_ours_udp", "frag needed quoting a UDP datagram from us (no socket sent it): ignored", 1000,
                  quoted_udp_from_us());
  learn_then_ping("pmtu_quote_without_8_bytes", "frag needed quoting only our reply's IP header: ignored", 1000,
                  slice(quoted_icmp_from_us(), 0, 20));
  learn_then_ping("pmtu_other_destination",
                  "frag needed about our echo reply to 10.0.0.3: the peer's replies stay whole", 1000,
                  quoted_icmp_from_us(0, Ipv4Addr::from_octets(10, 0, 0, 3)));
  learn_then_ping("pmtu_quoted_dst_off_link", "frag needed about a reply to 192.168.7.7 (no route there): ignored",
                  1000, quoted_icmp_from_us(0, kOffLink));
  {
    Ip router;
    router.src = kOtherIp;
    cs.emplace_back("pmtu_from_other_router", "frag needed (MTU 1000) from router 10.0.0.99 on the link: believed")
        .seed()
        .send(ping(1400, 1))
        .send(frag_needed(1000, quoted_icmp_from_us(), router, kOtherMac))
        .send(ping(1400, 2));
  }
  {
    Ip to_bcast;
    to_bcast.dst = kSubnetBroadcast;
    cs.emplace_back("pmtu_frag_needed_to_broadcast", "frag needed sent to 10.0.0.255: not looked at (RFC 1122 §3.2.2)")
        .seed()
        .send(ping(1400, 1))
        .send(frag_needed(1000, quoted_icmp_from_us(), to_bcast, kPeerMac, MacAddr::broadcast()))
        .send(ping(1400, 2));
  }
  cs.emplace_back("pmtu_larger_report_ignored", "MTU 1000 learned, then a report of 1200: still 1000")
      .seed()
      .send(ping(1400, 1))
      .send(frag_needed(1000, quoted_icmp_from_us()))
      .send(frag_needed(1200, quoted_icmp_from_us()))
      .send(ping(1400, 2));
  cs.emplace_back("pmtu_smaller_report_again", "MTU 1200 learned, then 800: the next reply in 800-byte fragments")
      .seed()
      .send(ping(1400, 1))
      .send(frag_needed(1200, quoted_icmp_from_us()))
      .send(frag_needed(800, quoted_icmp_from_us()))
      .send(ping(1400, 2));
  cs.emplace_back("pmtu_floor_then_smaller", "MTU floored at 552 (report 300), then a report of 500: stays 552")
      .seed()
      .send(ping(1400, 1))
      .send(frag_needed(300, quoted_icmp_from_us()))
      .send(frag_needed(500, quoted_icmp_from_us()))
      .send(ping(1400, 2));
  cs.emplace_back("pmtu_small_ping_unaffected", "MTU 1000 learned, then a 56-byte ping: one whole reply")
      .seed()
      .send(frag_needed(1000, quoted_icmp_from_us()))
      .send(ping(56, 2));
  cs.emplace_back("pmtu_without_prior_reply", "frag needed quoting a reply we never sent (Linux checks no id): believed")
      .seed()
      .send(frag_needed(1000, quoted_icmp_from_us()))
      .send(ping(1400, 2));
  {
    Ip h = with_options(record_route_option());
    cs.emplace_back("pmtu_record_route_fragments", "MTU 1000 learned, then ping -R -s 1400: the first fragment carries RR, later ones NOPs")
        .seed()
        .send(frag_needed(1000, quoted_icmp_from_us()))
        .send(ip_frame(ipv4(h, echo_request(2, pattern(1400)))));
  }
  cs.emplace_back("pmtu_udp_error_quote", "MTU floored at 552, then UDP with 1200 bytes to a closed port: the error quotes up to 552")
      .seed()
      .send(frag_needed(300, quoted_icmp_from_us()))
      .send(ip_frame(udp_datagram(pattern(1200, 0x40))));
  cs.emplace_back("pmtu_timestamp_request_after", "MTU 552 learned, then a timestamp request: the small reply is unaffected")
      .seed()
      .send(frag_needed(552, quoted_icmp_from_us()))
      .send(icmp_frame(13, 0, 0x12340001, cat(bytes({0x02, 0x93, 0x2e, 0x00}), filled(8, 0))));
  {
    Ip router;
    router.flags_frag = 0;
    cs.emplace_back("pmtu_frag_needed_code_20", "type 3 code 20 (4 + 16) with MTU 1000: not fragmentation needed")
        .seed()
        .send(ping(1400, 1))
        .send(ip_frame(ipv4(router, icmp(3, 20, 1000, quoted_icmp_from_us()))))
        .send(ping(1400, 2));
  }
}

// Options in ICMP errors (issue 13) ------------------------------------------------------------

void error_options_cases(Cases& cs) {
  auto udp_with = [](Buf options, std::size_t n = 32) {
    Ip h = with_options(std::move(options));
    h.protocol = IpProtocol::udp;
    return ip_frame(ipv4(h, udp(kPeerIp, kHostIp, 45000, 33434, pattern(n, 0x40))));
  };
  auto proto_with = [](Buf options) {
    Ip h = with_options(std::move(options));
    h.protocol = IpProtocol{253};
    return ip_frame(ipv4(h, pattern(40)));
  };
  cs.emplace_back("error_options_udp_ts_only", "UDP to a closed port with timestamp (tsonly): the error echoes it")
      .seed()
      .send(udp_with(ts_only_option()));
  cs.emplace_back("error_options_udp_ts_and_addr", "UDP to a closed port with timestamp (tsandaddr)")
      .seed()
      .send(udp_with(ts_and_addr_option()));
  cs.emplace_back("error_options_udp_ts_prespec", "UDP to a closed port with timestamp (tsprespec 10.0.0.2 10.0.0.1)")
      .seed()
      .send(udp_with(ts_prespec_option()));
  cs.emplace_back("error_options_udp_rr_full", "UDP to a closed port with a full record route")
      .seed()
      .send(udp_with(cat(bytes({0x01, 0x07, 11, 12}), cat(bytes({10, 0, 0, 1}), bytes({10, 0, 0, 9})))));
  cs.emplace_back("error_options_udp_rr_and_ts", "UDP to a closed port with record route (3 slots) and timestamp (3 slots)")
      .seed()
      .send(udp_with(cat(cat(bytes({0x07, 15, 4}), filled(12, 0)), cat(bytes({0x01, 0x44, 16, 5, 0x00}), filled(12, 0)))));
  cs.emplace_back("error_options_udp_router_alert", "UDP to a closed port with router alert: not echoed")
      .seed()
      .send(udp_with(bytes({0x94, 4, 0, 0})));
  cs.emplace_back("error_options_udp_rr_large", "UDP with record route and 1200 bytes: the quote stops at 576 with the options")
      .seed()
      .send(udp_with(record_route_option(), 1200));
  cs.emplace_back("error_options_proto_rr", "IP protocol 253 with record route: protocol unreachable echoes it")
      .seed()
      .send(proto_with(record_route_option()));
  cs.emplace_back("error_options_proto_ts_only", "IP protocol 253 with timestamp (tsonly)")
      .seed()
      .send(proto_with(ts_only_option()));
  cs.emplace_back("error_options_param_rr_then_bad", "record route, then an option running past the header: parameter problem")
      .seed()
      .send(ip_frame(ipv4(with_options(cat(cat(bytes({0x07, 11, 4}), filled(8, 0)), bytes({0x9e, 20, 0, 0, 0}))),
                          echo_request(1, pattern(56)))));
  cs.emplace_back("error_options_param_ts_then_bad_rr", "timestamp, then record route with pointer 3: parameter problem")
      .seed()
      .send(ip_frame(ipv4(with_options(cat(cat(bytes({0x44, 12, 5, 0x00}), filled(8, 0)), bytes({0x07, 7, 3, 0, 0, 0, 0, 0}))),
                          echo_request(1, pattern(56)))));
  cs.emplace_back("error_options_param_bad_first", "a malformed option before record route: parameter problem")
      .seed()
      .send(ip_frame(ipv4(with_options(cat(bytes({0x07, 2, 4, 0}), cat(bytes({0x07, 11, 4}), filled(9, 0)))),
                          echo_request(1, pattern(56)))));
  {
    Ip h = with_options(record_route_option());
    h.protocol = IpProtocol::udp;
    h.flags_frag = 0;
    h.ident = 0x6666;
    const Buf payload = udp(kPeerIp, kHostIp, 45000, 33434, pattern(400, 0x40));
    cs.emplace_back("error_options_udp_fragmented_rr", "UDP with record route in two fragments to a closed port")
        .seed()
        .send(fragment(h, payload, 0, 208))
        .send(fragment(h, payload, 208, payload.size() - 208));
    Ip first = h;
    first.ident = 0x6667;
    first.protocol = IpProtocol{253};
    cs.emplace_back("error_options_reassembly_timeout_rr", "first fragment with record route, the rest never comes: time exceeded echoes RR")
        .seed()
        .send(fragment(first, pattern(400), 0, 200))
        .window(33'000);  // the kernel's 30 s timer runs late on a loaded machine
  }
}

// IPv6 (issue 14) --------------------------------------------------------------------------------
//
// The IPv6 frames are built here byte by byte, with a checksum of their own, not with the
// stack's IPv6 codecs: an independent encoder is a better oracle than the code under test.
// The kernel has fd00::2/64 and fe80::aff:fe00:2 (cases.hpp); the peer is fd00::1 /
// fe80::aff:fe00:1 at kPeerMac. Most cases begin with seed6(): the peer's neighbour
// solicitation for our address, the NDP twin of the ARP seed. Linux answers it with a solicited
// NA and makes a STALE entry for the peer, so later replies go out without resolution.

namespace v6 {

constexpr std::uint8_t kHopByHop = 0, kTcp = 6, kUdp = 17, kRouting = 43, kFragment = 44, kIcmp6 = 58, kNoNext = 59,
                       kDestOptions = 60;
constexpr std::uint8_t kEchoRequest = 128, kNeighbourSolicitation = 135, kNeighbourAdvertisement = 136;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;

constexpr Ipv6Addr kAllNodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
constexpr Ipv6Addr kUnspecified{};
constexpr Ipv6Addr kOtherIp6{{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99}};
constexpr Ipv6Addr kOffLinkIp6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}};
constexpr Ipv6Addr kLoopback6{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

// ff02::1:ffXX:XXXX, RFC 4291 §2.7.1.
constexpr Ipv6Addr solicited_node(const Ipv6Addr& a) {
  return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, a.octets[13], a.octets[14], a.octets[15]}};
}
// 33:33 and the group's last 32 bits, RFC 2464 §7.
constexpr MacAddr mac_for_group(const Ipv6Addr& g) {
  return {{0x33, 0x33, g.octets[12], g.octets[13], g.octets[14], g.octets[15]}};
}

Buf addr_bytes(const Ipv6Addr& a) {
  Buf b;
  for (std::uint8_t o : a.octets) b.push_back(static_cast<std::byte>(o));
  return b;
}

void put16(Buf& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::byte>(v >> 8);
  b[at + 1] = static_cast<std::byte>(v & 0xff);
}

// RFC 1071's sum over the RFC 8200 §8.1 pseudo-header and the upper-layer bytes.
std::uint16_t upper_checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next, const Buf& upper) {
  std::uint64_t sum = 0;
  auto add = [&](const Buf& b) {
    for (std::size_t i = 0; i < b.size(); i += 2)
      sum += (std::to_integer<std::uint32_t>(b[i]) << 8) | (i + 1 < b.size() ? std::to_integer<std::uint32_t>(b[i + 1]) : 0);
  };
  add(addr_bytes(src));
  add(addr_bytes(dst));
  sum += (upper.size() >> 16) + (upper.size() & 0xffff) + next;
  add(upper);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

struct Ip6 {
  Ipv6Addr src = kPeerIp6;
  Ipv6Addr dst = kHostIp6;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
};

// The fixed header, then `payload` (extension headers and the upper layer) as next header `next`.
Buf ipv6(const Ip6& h, std::uint8_t next, const Buf& payload) {
  Buf d(40);
  const std::uint32_t first = (6u << 28) | (std::uint32_t{h.traffic_class} << 20) | (h.flow_label & 0xfffff);
  put16(d, 0, static_cast<std::uint16_t>(first >> 16));
  put16(d, 2, static_cast<std::uint16_t>(first & 0xffff));
  put16(d, 4, static_cast<std::uint16_t>(payload.size()));
  d[6] = static_cast<std::byte>(next);
  d[7] = static_cast<std::byte>(h.hop_limit);
  const Buf s = addr_bytes(h.src), t = addr_bytes(h.dst);
  std::copy(s.begin(), s.end(), d.begin() + 8);
  std::copy(t.begin(), t.end(), d.begin() + 24);
  return cat(d, payload);
}

// An ICMPv6 message with its checksum (for the datagram from src to dst).
Buf icmp6(const Ip6& h, std::uint8_t type, std::uint8_t code, const Buf& body) {
  Buf m = cat(bytes({type, code, 0, 0}), body);
  put16(m, 2, upper_checksum(h.src, h.dst, kIcmp6, m));
  return m;
}

Buf echo_body(std::uint16_t seq, std::size_t n) {
  return cat(bytes({kPingIdent >> 8, kPingIdent & 0xff, seq >> 8, seq & 0xff}), pattern(n));
}

Buf echo6(const Ip6& h, std::uint16_t seq = 1, std::size_t n = 56) { return icmp6(h, kEchoRequest, 0, echo_body(seq, n)); }

// Ethernet destination: the group's 33:33 MAC for a multicast destination, else ours.
MacAddr dst_mac_for(const Ipv6Addr& dst) { return dst.octets[0] == 0xff ? mac_for_group(dst) : kHostMac; }

Buf frame6(const Buf& datagram, MacAddr dst, MacAddr src = kPeerMac) { return eth(dst, src, kEtherTypeIpv6, datagram); }
Buf frame6(const Ip6& h, std::uint8_t next, const Buf& payload) { return frame6(ipv6(h, next, payload), dst_mac_for(h.dst)); }

// ping -6: an echo request with an n-byte payload.
Buf ping6(Ip6 h = {}, std::size_t n = 56, std::uint16_t seq = 1) { return frame6(h, kIcmp6, echo6(h, seq, n)); }

// A link-layer address option (RFC 4861 §4.6.1): type 1 source, 2 target.
Buf lla_option(std::uint8_t type, MacAddr mac) {
  Buf o = bytes({type, 1});
  for (std::uint8_t b : mac.octets) o.push_back(static_cast<std::byte>(b));
  return o;
}

struct Ns {
  Ipv6Addr target = kHostIp6;
  Ip6 ip{.src = kPeerIp6, .dst = solicited_node(kHostIp6), .hop_limit = 255};
  Buf options = lla_option(1, kPeerMac);
  std::uint8_t code = 0;
};

Buf ns(const Ns& n, MacAddr src = kPeerMac) {
  const Buf body = cat(cat(bytes({0, 0, 0, 0}), addr_bytes(n.target)), n.options);
  return frame6(ipv6(n.ip, kIcmp6, icmp6(n.ip, kNeighbourSolicitation, n.code, body)), dst_mac_for(n.ip.dst), src);
}

namespace na_flag {
constexpr std::uint8_t router = 0x80, solicited = 0x40, override_ = 0x20;
}

struct Na {
  Ipv6Addr target = kPeerIp6;
  std::uint8_t flags = na_flag::solicited | na_flag::override_;
  Ip6 ip{.src = kPeerIp6, .dst = kHostIp6, .hop_limit = 255};
  MacAddr tlla = kPeerMac;
};

Buf na(const Na& n, MacAddr src = kPeerMac) {
  const Buf body = cat(cat(bytes({n.flags, 0, 0, 0}), addr_bytes(n.target)), lla_option(2, n.tlla));
  return frame6(ipv6(n.ip, kIcmp6, icmp6(n.ip, kNeighbourAdvertisement, 0, body)), dst_mac_for(n.ip.dst), src);
}

// The peer's NS for our address to its solicited-node group: the NDP seed (see above).
Buf seed_frame() { return ns({}); }
// The same between link-local addresses, for cases that talk link-local.
Buf seed_link_local_frame() {
  return ns({.target = kHostLinkLocal, .ip = {.src = kPeerLinkLocal, .dst = solicited_node(kHostLinkLocal), .hop_limit = 255}});
}

// An options header (hop-by-hop or destination options): next header, length, options,
// padded with PadN to a multiple of 8.
Buf options_header(std::uint8_t next, Buf options) {
  const std::size_t len = 2 + options.size();
  const std::size_t padded = (len + 7) / 8 * 8;
  if (padded - len == 1) options.push_back(std::byte{0});  // Pad1
  else if (padded > len) options = cat(options, cat(bytes({1, static_cast<int>(padded - len - 2)}), filled(padded - len - 2, 0)));
  return cat(bytes({next, static_cast<int>(padded / 8 - 1)}), options);
}

// A routing header of `type` with `segments_left` and the given addresses.
Buf routing_header(std::uint8_t next, std::uint8_t type, std::uint8_t segments_left, const std::vector<Ipv6Addr>& addrs) {
  Buf h = bytes({next, static_cast<int>(addrs.size() * 2), type, segments_left, 0, 0, 0, 0});
  for (const Ipv6Addr& a : addrs) h = cat(h, addr_bytes(a));
  return h;
}

Buf fragment_header(std::uint8_t next, std::size_t offset, bool more, std::uint32_t ident) {
  const std::uint16_t off = static_cast<std::uint16_t>(((offset / 8) << 3) | (more ? 1 : 0));
  return bytes({next, 0, off >> 8, off & 0xff, static_cast<int>(ident >> 24), static_cast<int>((ident >> 16) & 0xff),
                static_cast<int>((ident >> 8) & 0xff), static_cast<int>(ident & 0xff)});
}

// One fragment of `unfragmentable` (the upper-layer bytes, next header `next`): bytes
// [offset, offset + len), M set unless the piece ends them (or `more` says otherwise).
Buf fragment6(const Ip6& h, std::uint8_t next, const Buf& upper, std::size_t offset, std::size_t len, std::uint32_t ident,
              int more = -1) {
  const bool m = more < 0 ? offset + len < upper.size() : more != 0;
  return frame6(h, kFragment, cat(fragment_header(next, offset, m, ident), slice(upper, offset, len)));
}

Buf udp6(const Ip6& h, std::uint16_t dport, const Buf& data, bool checksum = true) {
  Buf s = cat(bytes({45000 >> 8, 45000 & 0xff, dport >> 8, dport & 0xff, 0, 0, 0, 0}), data);
  put16(s, 4, static_cast<std::uint16_t>(s.size()));
  if (checksum) {
    const std::uint16_t c = upper_checksum(h.src, h.dst, kUdp, s);
    put16(s, 6, c == 0 ? 0xffff : c);
  }
  return s;
}

Buf udp6_frame(Ip6 h = {}, std::uint16_t dport = 33434, const Buf& data = pattern(32, 0x40), bool checksum = true) {
  return frame6(h, kUdp, udp6(h, dport, data, checksum));
}

Buf tcp6_syn(const Ip6& h, std::uint16_t dport = 80) {
  Buf s = bytes({40000 >> 8, 40000 & 0xff, dport >> 8, dport & 0xff, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0x50, 0x02, 64240 >> 8,
                 64240 & 0xff, 0, 0, 0, 0});
  put16(s, 16, upper_checksum(h.src, h.dst, kTcp, s));
  return frame6(h, kTcp, s);
}

// An echo request behind the extension headers `chain` (whose last next header is ICMPv6).
Buf echo_behind(const Ip6& h, std::uint8_t first, const Buf& chain, std::uint16_t seq = 1) {
  return frame6(h, first, cat(chain, echo6(h, seq)));
}

}  // namespace v6

class V6Case {
 public:
  explicit V6Case(Case& c) : c_(c) {}
  V6Case& seed() {
    c_.send(v6::seed_frame());
    return *this;
  }
  V6Case& seed_link_local() {
    c_.send(v6::seed_link_local_frame());
    return *this;
  }
  V6Case& send(Buf frame, std::int64_t gap_ms = kDefaultGapMs) {
    c_.send(std::move(frame), gap_ms);
    return *this;
  }
  V6Case& window(std::int64_t ms) {
    c_.window(ms);
    return *this;
  }

 private:
  Case& c_;
};

void v6_echo_cases(Cases& cs) {
  using namespace v6;
  auto add = [&](const char* name, const char* what) { return V6Case(cs.emplace_back(name, what)); };
  add("v6_echo_global", "ping -6 fd00::2 (56 bytes): the echo reply").seed().send(ping6());
  add("v6_echo_link_local", "ping -6 fe80::aff:fe00:2 from fe80::aff:fe00:1 after a link-local NS")
      .seed_link_local()
      .send(ping6({.src = kPeerLinkLocal, .dst = kHostLinkLocal}));
  add("v6_echo_link_local_without_seed", "ping -6 to our link-local address, no neighbour entry: the kernel resolves with an NS")
      .send(ping6({.src = kPeerLinkLocal, .dst = kHostLinkLocal}))
      .window(500);
  add("v6_echo_all_nodes", "ping -6 ff02::1 from fd00::1: answered from our address (echo_ignore_multicast=0)")
      .seed()
      .send(ping6({.dst = kAllNodes}));
  add("v6_echo_all_nodes_from_link_local", "ping -6 ff02::1 from fe80::aff:fe00:1").seed_link_local().send(
      ping6({.src = kPeerLinkLocal, .dst = kAllNodes}));
  add("v6_echo_solicited_node_group", "ping -6 to our solicited-node group ff02::1:ff00:2").seed().send(
      ping6({.dst = solicited_node(kHostIp6)}));
  add("v6_echo_payload_0", "echo request with no data").seed().send(ping6({}, 0));
  add("v6_echo_payload_1", "echo request with 1 byte of data (odd length for the checksum)").seed().send(ping6({}, 1));
  add("v6_echo_payload_1232", "echo request of 1280 bytes in all, IPv6's minimum MTU").seed().send(ping6({}, 1232));
  add("v6_echo_payload_1452", "echo request of 1500 bytes in all: the reply fills the MTU").seed().send(ping6({}, 1452));
  add("v6_echo_sequence", "three pings, seq 1..3").seed().send(ping6({}, 56, 1)).send(ping6({}, 56, 2)).send(ping6({}, 56, 3));
  {
    Ip6 h;
    Buf f = ping6(h);
    f[14 + 40 + 2] = static_cast<std::byte>(std::to_integer<unsigned>(f[14 + 40 + 2]) ^ 0x5a);
    add("v6_echo_bad_checksum", "echo request with a wrong ICMPv6 checksum: dropped").seed().send(f);
  }
  {
    Buf d = ipv6({}, kIcmp6, echo6({}));
    put16(d, 4, static_cast<std::uint16_t>(d.size() - 40 + 8));
    add("v6_echo_payload_len_too_long", "payload length 8 bytes more than the frame carries: dropped").seed().send(
        frame6(d, kHostMac));
  }
  {
    Buf d = cat(ipv6({}, kIcmp6, echo6({})), pattern(16, 0xa0));
    add("v6_echo_trailing_bytes", "16 bytes after the payload length (link padding): trimmed, answered").seed().send(
        frame6(d, kHostMac));
  }
  {
    Buf d = ipv6({}, kIcmp6, echo6({}));
    put16(d, 4, 0);
    add("v6_echo_payload_len_zero", "payload length 0 without a jumbo option: nothing to deliver").seed().send(frame6(d, kHostMac));
  }
  add("v6_echo_hop_limit_0", "echo request with hop limit 0: a host still accepts it").seed().send(ping6({.hop_limit = 0}));
  add("v6_echo_hop_limit_1", "echo request with hop limit 1").seed().send(ping6({.hop_limit = 1}));
  add("v6_echo_hop_limit_255", "echo request with hop limit 255: the reply still uses hop_limit 64").seed().send(
      ping6({.hop_limit = 255}));
  add("v6_echo_traffic_class", "echo request with traffic class 0xb8 (EF): is the class reflected?").seed().send(
      ping6({.traffic_class = 0xb8}));
  add("v6_echo_flow_label", "echo request with flow label 0x12345: reflected or not (flowlabel_reflect=0)").seed().send(
      ping6({.flow_label = 0x12345}));
  add("v6_echo_code_1", "echo request with code 1: answered all the same").seed().send(
      frame6(Ip6{}, kIcmp6, icmp6({}, kEchoRequest, 1, echo_body(1, 56))));
  {
    Buf d = ipv6({}, kIcmp6, echo6({}));
    d[0] = std::byte{0x40};
    add("v6_version_4_in_ipv6_ethertype", "EtherType 0x86dd with version 4 in the header: dropped").seed().send(frame6(d, kHostMac));
  }
  add("v6_echo_to_other_address", "echo request to fd00::99 at our MAC: not ours, not forwarded").seed().send(
      ping6({.dst = kOtherIp6}));
  add("v6_echo_from_unspecified", "echo request from ::").seed().send(ping6({.src = kUnspecified}));
  add("v6_echo_from_multicast", "echo request from ff02::1 (a multicast source): dropped").seed().send(ping6({.src = kAllNodes}));
  add("v6_echo_to_loopback", "echo request to ::1 from the wire: dropped").seed().send(ping6({.dst = kLoopback6}));
  add("v6_echo_from_off_link", "echo request from 2001:db8::7 (no route back): not answered").seed().send(
      ping6({.src = kOffLinkIp6}));
  add("v6_echo_reply_unsolicited", "an echo reply nobody asked for: ignored").seed().send(
      frame6(Ip6{}, kIcmp6, icmp6({}, 129, 0, echo_body(1, 56))));
  add("v6_icmp_unknown_informational", "ICMPv6 type 200 (informational, unknown): ignored").seed().send(
      frame6(Ip6{}, kIcmp6, icmp6({}, 200, 0, pattern(8))));
  add("v6_icmp_unknown_error", "ICMPv6 type 100 (error range, unknown): ignored").seed().send(
      frame6(Ip6{}, kIcmp6, icmp6({}, 100, 0, pattern(48))));
}

void v6_ndp_cases(Cases& cs) {
  using namespace v6;
  auto add = [&](const char* name, const char* what) { return V6Case(cs.emplace_back(name, what)); };
  add("v6_ns_solicited_node", "NS for fd00::2 to ff02::1:ff00:2 with the peer's SLLA: solicited NA, unicast").send(ns({}));
  add("v6_ns_unicast", "NS for fd00::2 to fd00::2 (a unicast refresh) with SLLA").send(
      ns({.ip = {.src = kPeerIp6, .dst = kHostIp6, .hop_limit = 255}}));
  add("v6_ns_unicast_without_slla", "unicast NS without SLLA: the NA goes to the source, resolved first")
      .send(ns({.ip = {.src = kPeerIp6, .dst = kHostIp6, .hop_limit = 255}, .options = {}}))
      .window(500);
  add("v6_ns_link_local_target", "NS for fe80::aff:fe00:2 from fe80::aff:fe00:1").send(v6::seed_link_local_frame());
  add("v6_ns_dad_probe_for_us", "DAD probe (NS from ::) for fd00::2: defended with an NA to ff02::1").send(
      ns({.ip = {.src = kUnspecified, .dst = solicited_node(kHostIp6), .hop_limit = 255}, .options = {}}));
  add("v6_ns_dad_probe_for_link_local", "DAD probe for fe80::aff:fe00:2").send(
      ns({.target = kHostLinkLocal, .ip = {.src = kUnspecified, .dst = solicited_node(kHostLinkLocal), .hop_limit = 255}, .options = {}}));
  add("v6_ns_dad_probe_with_slla", "NS from :: carrying an SLLA (RFC 4861 §7.1.1: invalid): ignored").send(
      ns({.ip = {.src = kUnspecified, .dst = solicited_node(kHostIp6), .hop_limit = 255}}));
  add("v6_ns_dad_probe_for_other", "DAD probe for fd00::99: ignored").send(
      ns({.target = kOtherIp6, .ip = {.src = kUnspecified, .dst = solicited_node(kOtherIp6), .hop_limit = 255}, .options = {}}));
  add("v6_ns_not_ours", "NS for fd00::99 (someone else): ignored").send(
      ns({.target = kOtherIp6, .ip = {.src = kPeerIp6, .dst = solicited_node(kOtherIp6), .hop_limit = 255}}));
  add("v6_ns_hop_limit_254", "NS with hop limit 254 (RFC 4861 §7.1.1: must be 255): ignored").send(
      ns({.ip = {.src = kPeerIp6, .dst = solicited_node(kHostIp6), .hop_limit = 254}}));
  add("v6_ns_bad_code", "NS with ICMPv6 code 1: ignored").send(ns({.code = 1}));
  add("v6_ns_slla_length_0", "NS whose SLLA option has length 0: ignored").send(ns({.options = bytes({1, 0, 2, 0, 0x0a, 0, 0, 1})}));
  add("v6_ns_target_multicast", "NS whose target is ff02::1: ignored").send(ns({.target = kAllNodes}));
  add("v6_ns_unknown_option", "NS with an unknown option (type 200) after the SLLA: the option is skipped, answered").send(
      ns({.options = cat(lla_option(1, kPeerMac), cat(bytes({200, 1}), filled(6, 0)))}));
  add("v6_ns_to_all_nodes", "NS for fd00::2 sent to ff02::1 instead of the solicited-node group").send(
      ns({.ip = {.src = kPeerIp6, .dst = kAllNodes, .hop_limit = 255}}));
  add("v6_ns_short", "NS of 20 bytes (no room for the target): ignored").send(
      frame6(Ip6{.src = kPeerIp6, .dst = solicited_node(kHostIp6), .hop_limit = 255}, kIcmp6,
             icmp6({.src = kPeerIp6, .dst = solicited_node(kHostIp6)}, kNeighbourSolicitation, 0, filled(16, 0))));
  add("v6_na_override_new_mac", "seed, then an unsolicited NA (O=1) moving fd00::1 to a new MAC, then a ping: the reply goes there")
      .seed()
      .send(na({.flags = na_flag::override_, .ip = {.src = kPeerIp6, .dst = kAllNodes, .hop_limit = 255}, .tlla = kPeerNewMac},
               kPeerNewMac))
      .send(ping6({}), 10);
  add("v6_na_no_override_new_mac", "seed, then an NA with O=0 and a new MAC, then a ping: the old MAC is kept")
      .seed()
      .send(na({.flags = 0, .ip = {.src = kPeerIp6, .dst = kAllNodes, .hop_limit = 255}, .tlla = kPeerNewMac}, kPeerNewMac))
      .send(ping6({}), 10);
  add("v6_na_for_our_address", "an NA claiming fd00::2 from another MAC: a conflict, no answer on the wire")
      .send(na({.target = kHostIp6, .flags = na_flag::override_, .ip = {.src = kHostIp6, .dst = kAllNodes, .hop_limit = 255},
                .tlla = kOtherMac},
               kOtherMac));
  add("v6_resolve_peer", "ping without a neighbour entry: the kernel's NS, the peer's NA, then the held echo reply")
      .send(ping6({}))
      .send(na({}), 50)
      .window(300);
  add("v6_resolve_unanswered", "ping without a neighbour entry and no NA: the kernel's 3 NS, 1 s apart")
      .send(ping6({}))
      .window(3500);
  add("v6_resolve_stale_probe", "seed, ping: the NA and the reply put the entry in DELAY, then 3 unicast NS probes at 5, 6, 7 s")
      .seed()
      .send(ping6({}))
      .window(7'500);
  add("v6_na_solicited_after_seed", "seed, then the peer's solicited NA (a confirmation), then a ping: no probes follow")
      .seed()
      .send(na({}))
      .send(ping6({}))
      .window(6'000);
  add("v6_na_without_entry_then_echo", "an unsolicited NA (O=1) from a peer we have no entry for, then its ping: the NA made none, we resolve")
      .send(na({.flags = na_flag::override_, .ip = {.src = kPeerIp6, .dst = kAllNodes, .hop_limit = 255}}))
      .send(ping6({}))
      .window(500);
  add("v6_resolve_two_held", "two pings while resolving, then the NA: both replies (unres_qlen)")
      .send(ping6({}, 56, 1))
      .send(ping6({}, 56, 2))
      .send(na({}), 50);
}

void v6_extension_cases(Cases& cs) {
  using namespace v6;
  auto add = [&](const char* name, const char* what) { return V6Case(cs.emplace_back(name, what)); };
  const Ip6 uni{};
  const Ip6 multi{.dst = kAllNodes};
  add("v6_hbh_padn", "echo request behind a hop-by-hop header with PadN: answered").seed().send(
      echo_behind(uni, kHopByHop, options_header(kIcmp6, {})));
  const std::pair<const char*, int> actions[] = {{"skip", 0x1e}, {"discard", 0x5e}, {"param_problem", 0x9e}, {"param_problem_unless_multicast", 0xde}};
  for (const auto& [what, type] : actions) {
    const Buf opt = bytes({type, 2, 0xab, 0xcd});
    for (const bool to_multicast : {false, true}) {
      const std::string name = std::string("v6_hbh_unknown_") + what + (to_multicast ? "_multicast" : "");
      const std::string text = "echo request " + std::string(to_multicast ? "to ff02::1 " : "") + "behind a hop-by-hop option of type 0x" +
                               (type == 0x1e ? "1e" : type == 0x5e ? "5e" : type == 0x9e ? "9e" : "de") + " (action bits " +
                               std::to_string(type >> 6) + ")";
      V6Case(cs.emplace_back(name, text)).seed().send(echo_behind(to_multicast ? multi : uni, kHopByHop, options_header(kIcmp6, opt)));
    }
  }
  add("v6_dest_options_padn", "echo request behind a destination options header with PadN: answered").seed().send(
      echo_behind(uni, kDestOptions, options_header(kIcmp6, {})));
  add("v6_dest_options_unknown_param_problem", "destination option type 0x9e: parameter problem code 2 pointing at it")
      .seed()
      .send(echo_behind(uni, kDestOptions, options_header(kIcmp6, bytes({0x9e, 2, 0, 0}))));
  add("v6_dest_options_unknown_discard", "destination option type 0x5e: dropped silently").seed().send(
      echo_behind(uni, kDestOptions, options_header(kIcmp6, bytes({0x5e, 2, 0, 0}))));
  add("v6_dest_options_unknown_multicast_11", "destination option type 0xde to ff02::1: dropped, no error to a multicast destination")
      .seed()
      .send(echo_behind(multi, kDestOptions, options_header(kIcmp6, bytes({0xde, 2, 0, 0}))));
  add("v6_routing_type0_segments_left_0", "routing header type 0 with segments left 0: ignored, answered").seed().send(
      echo_behind(uni, kRouting, routing_header(kIcmp6, 0, 0, {kOtherIp6})));
  add("v6_routing_type0_segments_left_1", "routing header type 0 with segments left 1 (RFC 5095): parameter problem")
      .seed()
      .send(echo_behind(uni, kRouting, routing_header(kIcmp6, 0, 1, {kOtherIp6})));
  add("v6_routing_unknown_type_segments_left_0", "routing header type 253 with segments left 0: ignored, answered").seed().send(
      echo_behind(uni, kRouting, routing_header(kIcmp6, 253, 0, {kOtherIp6})));
  add("v6_routing_unknown_type_segments_left_1", "routing header type 253 with segments left 1: parameter problem at the type")
      .seed()
      .send(echo_behind(uni, kRouting, routing_header(kIcmp6, 253, 1, {kOtherIp6})));
  add("v6_unknown_next_header", "next header 253 after the fixed header: parameter problem code 1").seed().send(
      frame6(uni, 253, pattern(40)));
  add("v6_unknown_next_header_after_dest_options", "next header 253 after destination options: the pointer names that header's field")
      .seed()
      .send(frame6(uni, kDestOptions, cat(options_header(253, {}), pattern(40))));
  add("v6_next_header_59", "next header 59 (no next header) with bytes after it: nothing").seed().send(
      frame6(uni, kNoNext, pattern(40)));
  add("v6_long_chain", "hop-by-hop, destination options, routing (segments left 0), destination options, then echo: answered")
      .seed()
      .send(echo_behind(uni, kHopByHop,
                        cat(cat(options_header(kDestOptions, {}), options_header(kRouting, {})),
                            cat(routing_header(kDestOptions, 0, 0, {kOtherIp6}), options_header(kIcmp6, {})))));
  add("v6_hbh_not_first", "a hop-by-hop header after destination options: parameter problem code 1").seed().send(
      echo_behind(uni, kDestOptions, cat(options_header(kHopByHop, {}), options_header(kIcmp6, {}))));
  {
    Buf many;
    for (int i = 0; i < 9; ++i) many = cat(many, bytes({1, 0}));
    add("v6_dest_options_nine_padn", "nine empty PadN options (max_dst_opts_number=8): dropped").seed().send(
        echo_behind(uni, kDestOptions, options_header(kIcmp6, many)));
  }
  add("v6_hbh_router_alert", "echo request behind a hop-by-hop router alert (type 5): answered").seed().send(
      echo_behind(uni, kHopByHop, options_header(kIcmp6, bytes({5, 2, 0, 0}))));
}

void v6_fragment_cases(Cases& cs) {
  using namespace v6;
  auto add = [&](const char* name, const char* what) { return V6Case(cs.emplace_back(name, what)); };
  const Ip6 h{};
  const Buf echo = echo6(h, 1, 392);  // 400 bytes of ICMPv6
  add("v6_frag_in_order", "a 400-byte echo request in two fragments (0-199, 200-399): one reply, whole")
      .seed()
      .send(fragment6(h, kIcmp6, echo, 0, 200, 0x1001))
      .send(fragment6(h, kIcmp6, echo, 200, 200, 0x1001));
  add("v6_frag_out_of_order", "the same two fragments, last first").seed()
      .send(fragment6(h, kIcmp6, echo, 200, 200, 0x1002))
      .send(fragment6(h, kIcmp6, echo, 0, 200, 0x1002));
  add("v6_frag_three_reversed", "three fragments in reverse order").seed()
      .send(fragment6(h, kIcmp6, echo, 272, 128, 0x1003))
      .send(fragment6(h, kIcmp6, echo, 136, 136, 0x1003))
      .send(fragment6(h, kIcmp6, echo, 0, 136, 0x1003));
  add("v6_frag_overlap", "fragments 0-207 and 200-399 overlap (RFC 5722): the datagram is discarded").seed()
      .send(fragment6(h, kIcmp6, echo, 0, 208, 0x1004))
      .send(fragment6(h, kIcmp6, echo, 200, 200, 0x1004))
      .window(300);
  add("v6_frag_duplicate", "the first fragment twice, then the last").seed()
      .send(fragment6(h, kIcmp6, echo, 0, 200, 0x1005))
      .send(fragment6(h, kIcmp6, echo, 0, 200, 0x1005))
      .send(fragment6(h, kIcmp6, echo, 200, 200, 0x1005));
  add("v6_frag_atomic", "an atomic fragment (offset 0, M=0, RFC 6946): answered").seed().send(
      fragment6(h, kIcmp6, echo6(h), 0, 64, 0x1006, 0));
  add("v6_frag_not_multiple_of_8", "a first fragment of 100 bytes with M=1: parameter problem at the payload length")
      .seed()
      .send(fragment6(h, kIcmp6, echo, 0, 100, 0x1007));
  {
    // Offset 65528 with 16 bytes runs past 65535.
    Buf tail = pattern(16);
    add("v6_frag_beyond_65535", "a fragment at offset 65528 with 16 bytes: parameter problem at the offset field")
        .seed()
        .send(frame6(h, kFragment, cat(fragment_header(kIcmp6, 65528, false, 0x1008), tail)));
  }
  add("v6_frag_first_without_upper_header", "a first fragment holding only a destination options header, the ICMPv6 header in the second (RFC 7112)")
      .seed()
      .send(frame6(h, kFragment,
                   cat(fragment_header(kDestOptions, 0, true, 0x1009), options_header(kIcmp6, cat(bytes({1, 20}), filled(20, 0))))))
      .send(frame6(h, kFragment, cat(fragment_header(kDestOptions, 24, false, 0x1009), echo6(h))));
  {
    const Buf big = echo6(h, 1, 3992);  // ping -6 -s 3992: 4000 bytes of ICMPv6
    add("v6_frag_echo_4000", "a 4000-byte echo request in 1448-byte fragments: the kernel's reply in fragments")
        .seed()
        .send(fragment6(h, kIcmp6, big, 0, 1448, 0x100a))
        .send(fragment6(h, kIcmp6, big, 1448, 1448, 0x100a))
        .send(fragment6(h, kIcmp6, big, 2896, big.size() - 2896, 0x100a));
  }
  {
    // ping -6 -s 1453: a 1509-byte reply, 9 bytes over the MTU, so the smallest reply that is
    // fragmented (1448 + 13 bytes of ICMPv6 after the Fragment headers).
    const Buf over = echo6(h, 1, 1453);
    add("v6_frag_reply_just_over_mtu", "a 1461-byte echo request in two fragments: the 1509-byte reply in two fragments")
        .seed()
        .send(fragment6(h, kIcmp6, over, 0, 1024, 0x100d))
        .send(fragment6(h, kIcmp6, over, 1024, over.size() - 1024, 0x100d));
  }
  {
    // ping -6 -s 65000: 45 fragments in, 1 ms apart, and 45 out.
    const Buf huge = echo6(h, 1, 65000);
    V6Case c = add("v6_frag_echo_65000", "a 65008-byte echo request in 45 fragments: the reply in 45 fragments of 1448 bytes");
    c.seed();
    for (std::size_t off = 0; off < huge.size(); off += 1448)
      c.send(fragment6(h, kIcmp6, huge, off, std::min<std::size_t>(1448, huge.size() - off), 0x100e), off == 0 ? 10 : 1);
  }
  // Linux sends its NA to the seed through the neighbour entry, which moves it to DELAY: without
  // an answer its unicast probes (5, 6 and 7 s) would fail it, and the time exceeded at 60 s
  // would wait for a resolution nobody answers. The peer's solicited NA right after the seed
  // makes the entry REACHABLE and quiet; at 60 s it is STALE, and the error goes out at once.
  add("v6_frag_timeout", "only the first fragment: after ip6frag_time (60 s), time exceeded code 1")
      .seed()
      .send(na({}))
      .send(fragment6(h, kIcmp6, echo, 0, 200, 0x100b))
      // 60 s, which Linux's timer wheel rounds up by up to ~4 s (it ran 1.3 s late when
      // recorded); the window closes before 65 s, when the error's neighbour entry, in DELAY
      // since the error went out, would be probed by a host whose timer fired on time.
      .window(64'800);
  add("v6_frag_timeout_without_first", "only the last fragment: no time exceeded (RFC 8200 §4.5)")
      .seed()
      .send(na({}))
      .send(fragment6(h, kIcmp6, echo, 200, 200, 0x100c))
      .window(66'000);  // 60 s, and the kernel's timer ran 1.4 s late when recorded
}

void v6_error_cases(Cases& cs) {
  using namespace v6;
  auto add = [&](const char* name, const char* what) { return V6Case(cs.emplace_back(name, what)); };
  add("v6_udp_closed_port", "UDP to a closed port: destination unreachable, port unreachable (code 4)").seed().send(udp6_frame());
  add("v6_udp_closed_port_large", "UDP with 1400 bytes to a closed port: the error is cut to 1280 bytes").seed().send(
      udp6_frame({}, 33434, pattern(1400, 0x40)));
  add("v6_udp_zero_checksum", "UDP with checksum 0 (forbidden over IPv6): dropped, no error").seed().send(
      udp6_frame({}, 33434, pattern(32, 0x40), false));
  add("v6_udp_link_local_closed_port", "UDP from fe80::aff:fe00:1 to our link-local address: port unreachable from fe80::")
      .seed_link_local()
      .send(udp6_frame({.src = kPeerLinkLocal, .dst = kHostLinkLocal}));
  add("v6_tcp_syn_closed_port", "TCP SYN to port 80: RST+ACK").seed().send(tcp6_syn({}));
  add("v6_tcp_syn_link_local", "TCP SYN to our link-local address: RST+ACK from it").seed_link_local().send(
      tcp6_syn({.src = kPeerLinkLocal, .dst = kHostLinkLocal}));
  {
    V6Case c = add("v6_error_rate_limit_burst",
                   "12 UDP probes 1 ms apart to closed ports: a burst of errors, then silence (ratelimit 100 ms scaled by /64)");
    c.seed();
    for (std::uint16_t i = 0; i < 12; ++i) c.send(udp6_frame({}, static_cast<std::uint16_t>(33434 + i)), i == 0 ? 10 : 1);
  }
  {
    // The gaps are far from every token boundary, for an interval of 25 ms (100 ms shifted by
    // the /64 route's prefix length) as for one of 100 ms: the answer tells which one applies.
    V6Case c = add("v6_error_rate_limit_refill",
                   "8 UDP probes 1 ms apart, one 150 ms later, one 10 ms after that, then 3 after 200 ms: how fast tokens come back");
    c.seed();
    for (std::uint16_t i = 0; i < 8; ++i) c.send(udp6_frame({}, static_cast<std::uint16_t>(33434 + i)), i == 0 ? 10 : 1);
    c.send(udp6_frame({}, 33442), 150).send(udp6_frame({}, 33443), 10);
    for (std::uint16_t i = 0; i < 3; ++i) c.send(udp6_frame({}, static_cast<std::uint16_t>(33444 + i)), i == 0 ? 200 : 1);
  }
  {
    V6Case c = add("v6_echo_not_rate_limited", "12 pings 1 ms apart: informational, every one answered");
    c.seed();
    for (std::uint16_t i = 1; i <= 12; ++i) c.send(ping6({}, 56, i), i == 1 ? 10 : 1);
  }
  {
    // A destination unreachable (an error) behind a destination option whose type demands a
    // parameter problem: that problem must not be reported (RFC 4443 §2.4 (e.1)).
    const Ip6 h{};
    const Buf quoted = slice(ipv6({.src = kHostIp6, .dst = kPeerIp6}, kUdp, udp6({.src = kHostIp6, .dst = kPeerIp6}, 9, pattern(8))), 0, 56);
    const Buf error = icmp6(h, 1, 4, cat(bytes({0, 0, 0, 0}), quoted));
    add("v6_no_error_about_icmp_error", "an ICMPv6 error behind destination option 0x9e: no parameter problem about an error")
        .seed()
        .send(frame6(h, kDestOptions, cat(options_header(kIcmp6, bytes({0x9e, 2, 0, 0})), error)));
  }
  add("v6_no_error_to_multicast", "UDP to ff02::1, closed port: no port unreachable to a multicast destination").seed().send(
      udp6_frame({.dst = kAllNodes}));
  add("v6_no_error_from_unspecified", "UDP from :: to a closed port: no error to the unspecified address").seed().send(
      udp6_frame({.src = kUnspecified}));
  add("v6_no_error_tcp_to_multicast", "TCP SYN to ff02::1: no RST").seed().send(tcp6_syn({.dst = kAllNodes}));
}

Cases all_cases() {
  Cases cs;
  arp_cases(cs);
  echo_cases(cs);
  option_cases(cs);
  neighbour_cases(cs);
  fragment_cases(cs);
  icmp_cases(cs);
  transport_cases(cs);
  link_cases(cs);
  pmtu_cases(cs);
  error_options_cases(cs);
  v6_echo_cases(cs);
  v6_ndp_cases(cs);
  v6_extension_cases(cs);
  v6_fragment_cases(cs);
  v6_error_cases(cs);
  return cs;
}

std::string manifest_line(const Case& c) {
  return c.name() + "\t" + std::to_string(c.duration_ms()) + "\t" + (c.is_long() ? "long" : "short") + "\t" +
         c.description() + "\n";
}

int write_all(const std::filesystem::path& dir, const Cases& cs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "make_cases: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  std::ofstream manifest(dir / "cases.tsv");
  manifest << "# name\tduration_ms\tshort|long\tdescription (written by make_cases)\n";
  for (const Case& c : cs) {
    const auto path = (dir / (c.name() + ".in.pcap")).string();
    auto writer = PcapWriter::create(path, CaptureLinkType::ethernet);
    if (!writer) {
      std::fprintf(stderr, "make_cases: %s\n", writer.error().c_str());
      return 1;
    }
    for (const TimedFrame& f : c.frames_with_marker()) writer->write(f.frame, instant_from_ns(kBaseTimeNs + f.at_ms * 1'000'000));
    if (auto r = writer->close(); !r) {
      std::fprintf(stderr, "make_cases: %s\n", r.error().c_str());
      return 1;
    }
    manifest << manifest_line(c);
  }
  manifest.close();
  if (!manifest) {
    std::fprintf(stderr, "make_cases: cannot write %s\n", (dir / "cases.tsv").c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace tapstack::differential

int main(int argc, char** argv) {
  using namespace tapstack::differential;
  const std::string arg = argc == 2 ? argv[1] : "";
  if (arg.empty() || arg == "-h" || arg == "--help") {
    std::fprintf(stderr, "usage: make_cases OUTDIR | --list\n");
    return arg.empty() ? 2 : 0;
  }
  const Cases cs = all_cases();
  std::set<std::string> names;
  for (const Case& c : cs) {
    if (!names.insert(c.name()).second) {
      std::fprintf(stderr, "make_cases: duplicate case name %s\n", c.name().c_str());
      return 1;
    }
  }
  if (arg == "--list") {
    for (const Case& c : cs) std::fputs(manifest_line(c).c_str(), stdout);
    return 0;
  }
  return write_all(arg, cs);
}
