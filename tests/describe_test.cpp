#include "describe/describe.hpp"

#include "ipv6_frames.hpp"
#include "test_frames.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tapstack;
using namespace tapstack::test;

namespace {

std::string tun(const Frame& f) { return describe_frame(f, Framing::ip); }
std::string tap(const Frame& f) { return describe_frame(f, Framing::ethernet); }

}  // namespace

TEST_CASE("describe: an ARP request reads as tcpdump's who-has") {
  CHECK(tap(arp_request_for_us()) == "02:00:0a:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1");
}

TEST_CASE("describe: an ARP reply says who is at which MAC") {
  const Frame f = ethernet(kPeerMac, kOurMac, EtherType::arp, arp(ArpOp::reply, kOurMac, kOurIp, kPeerMac, kPeerIp));
  CHECK(tap(f) == "02:00:0a:00:00:02 > 02:00:0a:00:00:01 ARP reply 10.0.0.2 is-at 02:00:0a:00:00:02");
}

TEST_CASE("describe: RFC 5227 probes and announcements are named") {
  const auto probe = ethernet(MacAddr::broadcast(), kOurMac, EtherType::arp,
                              arp(ArpOp::request, kOurMac, Ipv4Addr::any(), MacAddr::zero(), kOurIp));
  CHECK(tap(probe).ends_with("ARP who-has 10.0.0.2 tell 0.0.0.0 (probe)"));
  const auto announce =
      ethernet(MacAddr::broadcast(), kOurMac, EtherType::arp, arp(ArpOp::request, kOurMac, kOurIp, MacAddr::zero(), kOurIp));
  CHECK(tap(announce).ends_with("ARP who-has 10.0.0.2 tell 10.0.0.2 (announcement)"));
}

TEST_CASE("describe: ARP that is not Ethernet/IPv4 or has an unknown op is said so") {
  Frame p = arp(ArpOp::request, kPeerMac, kPeerIp, MacAddr::zero(), kOurIp);
  Frame bad_hw = p;
  store_be16(bad_hw, 0, 7);
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, bad_hw)).ends_with("ARP hardware type 7 length 6 (not Ethernet)"));
  Frame bad_proto = p;
  store_be16(bad_proto, 2, 0x86dd);
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, bad_proto)).ends_with("ARP protocol type 0x86dd length 4 (not IPv4)"));
  Frame bad_op = p;
  store_be16(bad_op, 6, 9);
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, bad_op)).ends_with("ARP op 9 10.0.0.1 > 10.0.0.2"));
}

TEST_CASE("describe: an echo request over TUN is one line with id, seq and ICMP length") {
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(0x1c, 3, 56))) == "10.0.0.1 > 10.0.0.2 ICMP echo request id 0x1c seq 3 len 64");
  CHECK(tun(ipv4(kOurIp, kPeerIp, IpProtocol::icmp, icmp_echo(0x1c, 3, 56, IcmpType::echo_reply))) == "10.0.0.2 > 10.0.0.1 ICMP echo reply id 0x1c seq 3 len 64");
}

TEST_CASE("describe: over TAP an IPv4 frame carries the MACs, then the datagram") {
  CHECK(tap(echo_request_frame(3)) ==
        "02:00:0a:00:00:01 > 02:00:0a:00:00:02 IPv4 10.0.0.1 > 10.0.0.2 ICMP echo request id 0x1c seq 3 len 64");
}

TEST_CASE("describe: Ethernet padding after the datagram is not counted") {
  Frame f = echo_request_frame(1, 0);  // 14 + 20 + 8 = 42 bytes
  f.resize(kEthernetMinFrameLen);
  CHECK(tap(f).ends_with("ICMP echo request id 0x1c seq 1 len 8"));
}

TEST_CASE("describe: UDP and TCP show ports") {
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(40000, 53, 32))) == "10.0.0.1 > 10.0.0.2 UDP 40000 > 53 len 32");
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::tcp, tcp(tcp_flag::syn, 1234, 0))) ==
        "10.0.0.1 > 10.0.0.2 TCP 40000 > 80 [S] seq 1234 win 64240 len 0");
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::tcp, tcp(tcp_flag::rst | tcp_flag::ack, 0, 1235, 3))) ==
        "10.0.0.1 > 10.0.0.2 TCP 40000 > 80 [R.] seq 0 ack 1235 win 64240 len 3");
}

TEST_CASE("describe: UDP and TCP lengths and checksums are judged on whole datagrams only") {
  Frame bad_udp = udp(40000, 53, 4);
  bad_udp.back() ^= std::byte{0x01};
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::udp, bad_udp)) == "10.0.0.1 > 10.0.0.2 UDP 40000 > 53 len 4 [bad UDP checksum]");
  Frame long_udp = udp(40000, 53, 4);
  store_be16(long_udp, 4, 40);
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::udp, long_udp)) == "10.0.0.1 > 10.0.0.2 UDP 40000 > 53 len 4 [bad UDP length 40]");
  Frame bad_tcp = tcp(tcp_flag::syn, 1234, 0);
  bad_tcp[4] ^= std::byte{0x01};
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::tcp, bad_tcp)).ends_with("[S] seq 16778450 win 64240 len 0 [bad TCP checksum]"));
  Frame short_doff = tcp(tcp_flag::syn, 1234, 0);
  store_u8(short_doff, 12, 2 << 4);
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::tcp, short_doff)) == "10.0.0.1 > 10.0.0.2 TCP 40000 > 80 bad header length 8");
  // A first fragment carries part of the segment: its length and checksum cannot be judged.
  const Frame whole = udp(40000, 53, 100);
  const Frame first_part(whole.begin(), whole.begin() + 48);
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::udp, first_part, 0, 0x77, kIpv4FlagMoreFragments)) ==
        "10.0.0.1 > 10.0.0.2 UDP 40000 > 53 len 40 (fragment id 0x0077 offset 0 len 48, more)");
}

TEST_CASE("describe: fragments show id and offset; only the first decodes the transport") {
  const Frame first = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(0x1c, 1, 72), 0, 0x04d2, kIpv4FlagMoreFragments);
  CHECK(tun(first) == "10.0.0.1 > 10.0.0.2 ICMP echo request id 0x1c seq 1 len 80 (fragment id 0x04d2 offset 0 len 80, more)");
  const Frame later = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, Frame(528), 0, 0x04d2, 1480 / 8);
  CHECK(tun(later) == "10.0.0.1 > 10.0.0.2 ICMP fragment id 0x04d2 offset 1480 len 528");
}

TEST_CASE("describe: ICMP errors name the code and the datagram they quote") {
  const Frame quoted = ipv4(kOurIp, kPeerIp, IpProtocol::udp, udp(33434, 40000, 0));
  Frame msg(8 + quoted.size());
  store_u8(msg, 0, 3);
  store_u8(msg, 1, 3);
  std::copy(quoted.begin(), quoted.end(), msg.begin() + 8);
  store_be16(msg, 2, internet_checksum(msg));
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::icmp, msg)) ==
        "10.0.0.1 > 10.0.0.2 ICMP unreachable port (about 10.0.0.2 > 10.0.0.1 UDP 33434 > 40000)");
}

TEST_CASE("describe: an ICMP error quotes a header cut short, whatever its checksum says") {
  // RFC 792: the header and the first 8 bytes of the datagram; Linux quotes options rewritten on
  // receipt under the original header checksum.
  Frame quoted = ipv4(kOurIp, kPeerIp, IpProtocol::tcp, tcp(tcp_flag::syn, 1, 0));
  quoted.resize(kIpv4MinHeaderLen + 8);
  quoted[ipv4_field::checksum] ^= std::byte{0xff};
  Frame msg(8 + quoted.size());
  store_u8(msg, 0, 11);
  std::copy(quoted.begin(), quoted.end(), msg.begin() + 8);
  store_be16(msg, 2, internet_checksum(msg));
  CHECK(tun(ipv4(kPeerIp, kOurIp, IpProtocol::icmp, msg)) ==
        "10.0.0.1 > 10.0.0.2 ICMP time exceeded in transit (about 10.0.0.2 > 10.0.0.1 TCP 40000 > 80)");
}

TEST_CASE("describe: bad checksums are flagged, the rest still described") {
  Frame f = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8));
  f[10] ^= std::byte{0xff};
  CHECK(tun(f).ends_with("ICMP echo request id 0x1 seq 1 len 16 [bad IP checksum]"));
  Frame g = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8));
  g.back() ^= std::byte{0x01};
  CHECK(tun(g).ends_with("len 16 [bad ICMP checksum]"));
}

TEST_CASE("describe: malformed frames are described as such") {
  CHECK(tap({}) == "empty frame");
  CHECK(tap(bytes({1, 2, 3})) == "runt frame, 3 bytes (an Ethernet header is 14)");
  CHECK(tun(bytes({0x45, 0, 0})) == "IPv4 truncated, 3 bytes (the header is 20)");
  CHECK(tun(bytes({0x20, 0, 0})) == "not IP (version 2), 3 bytes");
  Frame short_ihl = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 0));
  short_ihl[0] = std::byte{0x44};
  CHECK(tun(short_ihl) == "IPv4 bad header length 16");
  Frame long_total = ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(1, 2, 4));
  store_be16(long_total, ipv4_field::total_len, 100);
  CHECK(tun(long_total).find("[truncated: total length 100, 32 bytes]") != std::string::npos);
  const Frame cut_arp = ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, bytes({0, 1, 8, 0}));
  CHECK(tap(cut_arp).ends_with("ARP truncated, 4 of 28 bytes"));
}

TEST_CASE("describe: other EtherTypes, VLAN tags and 802.3 lengths are named") {
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::ipv6, Frame(40))).ends_with("IPv6 IPv6 header with version 0"));
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::vlan, bytes({0x00, 0x05, 0x08, 0x00}))).ends_with(
      "802.1Q vlan 5 ethertype 0x0800, 0 bytes"));
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType{46}, Frame(46))).ends_with("802.3 length 46 (LLC), 46 bytes"));
  CHECK(tap(ethernet(MacAddr::broadcast(), kPeerMac, EtherType{0x88cc}, Frame(10))).ends_with("ethertype 0x88cc, 10 bytes"));
}

TEST_CASE("describe: every truncation of every sample is described without reading past it") {
  // Run under ASan in CI: a read past the span's end would be reported there.
  const std::vector<std::pair<Frame, Framing>> samples = {
      {arp_request_for_us(), Framing::ethernet},
      {echo_request_frame(1), Framing::ethernet},
      {ipv4(kPeerIp, kOurIp, IpProtocol::tcp, tcp(tcp_flag::syn, 3, 0)), Framing::ip},
      {ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(1, 2, 9)), Framing::ip},
      {ethernet(MacAddr::broadcast(), kPeerMac, EtherType::vlan, bytes({0x00, 0x05, 0x08, 0x00})), Framing::ethernet},
  };
  for (const auto& [frame, framing] : samples) {
    for (std::size_t len = 0; len <= frame.size(); ++len) {
      // A fresh heap copy of exactly len bytes, so ASan sees any overrun.
      const std::vector<std::byte> cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
      INFO("length " << len);
      CHECK_FALSE(describe_frame(cut, framing).empty());
    }
  }
}

TEST_CASE("describe: the hex dump shows 16 bytes a line with their ASCII") {
  Frame f = bytes({0x45, 0x00, 0x00, 0x54, 'A', 'B'});
  CHECK(hex_dump(f) == "0x0000:  4500 0054 4142" + std::string(5 * 5 + 2, ' ') + "E..TAB");
  Frame g(17, std::byte{0x2e});
  CHECK(hex_dump(g) ==
        "0x0000:  2e2e 2e2e 2e2e 2e2e 2e2e 2e2e 2e2e 2e2e  ................\n"
        "0x0010:  2e                                       .");
  CHECK(hex_dump({}).empty());
}

TEST_CASE("describe: IPv6 echo, UDP, TCP and errors read like their IPv4 lines") {
  CHECK(tun(ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, icmpv6_echo(0x1c, 3, 56, kPeerIp6, kOurIp6))) ==
        "fd00::1 > fd00::2 ICMP6 echo request id 0x1c seq 3 len 64");
  CHECK(tap(eth6(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, udp6(40000, 53, 24, kPeerIp6, kOurIp6)))) ==
        "02:00:0a:00:00:01 > 02:00:0a:00:00:02 IPv6 fd00::1 > fd00::2 UDP 40000 > 53 len 24");
  CHECK(tun(ipv6(kPeerIp6, kOurIp6, IpProtocol::tcp, tcp6(tcp_flag::syn, 5, 0, kPeerIp6, kOurIp6))) ==
        "fd00::1 > fd00::2 TCP 40000 > 80 [S] seq 5 win 64240 len 0");
  const Frame pp = icmpv6_message(Icmpv6Type::parameter_problem, 1, 40, Frame(48), kOurIp6, kPeerIp6);
  CHECK(tun(ipv6(kOurIp6, kPeerIp6, IpProtocol::icmpv6, pp)) == "fd00::2 > fd00::1 ICMP6 parameter problem code 1 pointer 40");
}

TEST_CASE("describe: IPv6 extension headers, zero UDP checksums and bad ICMPv6 checksums are shown") {
  Frame seg = udp6(1, 2, 0, kPeerIp6, kOurIp6);
  store_be16(seg, 6, 0);
  CHECK(tun(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, seg, {options_header(IpProtocol::dst_options, {})})) ==
        "fd00::1 > fd00::2 UDP 1 > 2 len 0 [UDP checksum 0, which IPv6 forbids] (extension headers 8 bytes)");
  Frame echo = ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, icmpv6_echo(1, 1, 8, kPeerIp6, kOurIp6));
  echo.back() ^= std::byte{1};
  CHECK(tun(echo).ends_with("ICMP6 echo request id 0x1 seq 1 len 16 [bad ICMP6 checksum]"));
  CHECK(tun(Frame(10, std::byte{0x60})) == "IPv6 truncated, 10 bytes (the header is 40)");
}
