// What a host with no listeners answers: ICMP errors, TCP resets, timestamps — and when it must
// stay silent (RFC 1122 §3.2.2, Linux's __icmp_send and tcp_v4_send_reset).
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {

Frame to_us(IpProtocol protocol, const Frame& payload, std::uint8_t tos = 0, Ipv4Addr dst = kOurIp,
            MacAddr eth_dst = kOurMac, std::uint16_t flags_frag = 0x4000) {
  return ethernet(eth_dst, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, dst, protocol, payload, tos, 0x1234, flags_frag));
}

}  // namespace

TEST_CASE_METHOD(StackFixture, "udp: a datagram to a closed port earns a port unreachable quoting it") {
  introduce_peer();
  const Frame request = to_us(IpProtocol::udp, udp(5000, 33434, 32), 0x10);
  feed(request);
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  CHECK(ip.dst() == kPeerIp);
  CHECK(ip.src() == kOurIp);
  CHECK(ip.tos() == 0xd0);  // precedence internetwork control + the request's TOS bits
  CHECK(ip.ttl() == 64);
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK(icmp.type() == IcmpType::dest_unreachable);
  CHECK(icmp.code() == 3);
  const Bytes offending = Bytes(request).subspan(kEthernetHeaderLen);
  REQUIRE(icmp.data().size() == offending.size());
  CHECK(std::equal(icmp.data().begin(), icmp.data().end(), offending.begin()));
  CHECK(count(Counter::icmp_errors_sent) == 1);
}

TEST_CASE_METHOD(StackFixture, "udp: the quote stops at 576 bytes of error datagram") {
  introduce_peer();
  feed(to_us(IpProtocol::udp, udp(5000, 9, 1400)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_ipv4(sink.frames[0]).total_len() == 576);
}

TEST_CASE_METHOD(StackFixture, "udp: a bad checksum or length earns nothing") {
  introduce_peer();
  Frame bad = udp(5000, 9, 8);
  bad.back() ^= std::byte{1};
  feed(to_us(IpProtocol::udp, bad));
  Frame longer = udp(5000, 9, 8);
  store_be16(longer, 4, 200);
  feed(to_us(IpProtocol::udp, longer));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::udp_drop_malformed) == 2);
}

TEST_CASE_METHOD(StackFixture, "udp: no error about a datagram to a broadcast address") {
  introduce_peer();
  const auto bcast = Ipv4Addr::from_octets(10, 0, 0, 255);
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::ipv4, ipv4(kPeerIp, bcast, IpProtocol::udp, udp(68, 67, 16, kPeerIp, bcast))));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp_errors_suppressed) == 1);
}

TEST_CASE_METHOD(StackFixture, "ip: an unknown protocol earns a protocol unreachable; IGMP is consumed silently") {
  introduce_peer();
  feed(to_us(IpProtocol{253}, Frame(12, std::byte{7})));
  REQUIRE(sink.frames.size() == 1);
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK(icmp.type() == IcmpType::dest_unreachable);
  CHECK(icmp.code() == 2);
  feed(to_us(IpProtocol::igmp, Frame(8, std::byte{0})));
  CHECK(sink.frames.size() == 1);
  CHECK(count(Counter::igmp_in) == 1);
}

TEST_CASE_METHOD(StackFixture, "icmp: no error about the types Linux counts as errors, as a router solicitation (fuzzer)") {
  introduce_peer();
  const auto bad_option = bytes({7, 2, 4, 0});  // record route shorter than its pointer: parameter problem due
  for (const int type : {1, 2, 6, 7, 9, 10}) {
    const IcmpType as_error{static_cast<std::uint8_t>(type)};
    feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4,
                  ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8, as_error), 0, 1, 0x4000, bad_option)));
  }
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp_errors_suppressed) == 6);
  // The same option in an echo request still earns the parameter problem.
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8), 0, 1, 0x4000, bad_option)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_icmp(sink.frames[0]).type() == IcmpType::parameter_problem);
}

TEST_CASE_METHOD(StackFixture, "ip: PIM is consumed silently, as by Linux's pim_rcv (found by the differential fuzzer)") {
  introduce_peer();
  feed(to_us(IpProtocol{103}, Frame(8, std::byte{0x20})));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ip_drop_unknown_protocol) == 1);
}

TEST_CASE_METHOD(StackFixture, "icmp: never an error about an ICMP error, or about an unknown ICMP type") {
  introduce_peer();
  // An unknown protocol would earn an error; wrap an ICMP error instead and see silence.
  Frame inner_error = icmp_echo(0, 0, 28, IcmpType::dest_unreachable);
  feed(to_us(IpProtocol::icmp, inner_error));  // a port unreachable delivered to us: consumed, no reply
  CHECK(sink.frames.empty());
}

TEST_CASE_METHOD(StackFixture, "tcp: a SYN to a closed port is refused with RST|ACK acknowledging the SYN") {
  introduce_peer();
  feed(to_us(IpProtocol::tcp, tcp(tcp_flag::syn, 1000, 0), 0x12));
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  CHECK(ip.protocol() == IpProtocol::tcp);
  CHECK(ip.dont_fragment());
  CHECK(ip.tos() == 0x10);  // reflected without the ECN bits
  const auto rst = TcpView::parse(ip.payload(), ip.src(), ip.dst());
  REQUIRE(rst);  // includes the checksum over the pseudo-header
  CHECK(rst->flags() == (tcp_flag::rst | tcp_flag::ack));
  CHECK(rst->seq() == 0);
  CHECK(rst->ack() == 1001);
  CHECK(rst->src_port() == 80);
  CHECK(rst->dst_port() == 40000);
  CHECK(count(Counter::tcp_resets_sent) == 1);
}

TEST_CASE_METHOD(StackFixture, "tcp: a segment with ACK is reset with its acknowledgment number as sequence") {
  introduce_peer();
  feed(to_us(IpProtocol::tcp, tcp(tcp_flag::ack | tcp_flag::psh, 5000, 777, 10)));
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  const auto rst = TcpView::parse(ip.payload(), ip.src(), ip.dst());
  REQUIRE(rst);
  CHECK(rst->flags() == tcp_flag::rst);
  CHECK(rst->seq() == 777);
}

TEST_CASE_METHOD(StackFixture, "tcp: data and FIN without ACK are acknowledged in the reset") {
  introduce_peer();
  feed(to_us(IpProtocol::tcp, tcp(tcp_flag::fin, 100, 0, 10)));
  const auto ip = emitted_ipv4(sink.frames.at(0));
  CHECK(TcpView::parse(ip.payload(), ip.src(), ip.dst())->ack() == 111);
}

TEST_CASE_METHOD(StackFixture, "tcp: a reset is never answered, nor a segment with a bad checksum") {
  introduce_peer();
  feed(to_us(IpProtocol::tcp, tcp(tcp_flag::rst, 1, 0)));
  Frame bad = tcp(tcp_flag::syn, 1, 0);
  bad[4] ^= std::byte{1};
  feed(to_us(IpProtocol::tcp, bad));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::tcp_drop_reset) == 1);
  CHECK(count(Counter::tcp_drop_malformed) == 1);
}

TEST_CASE_METHOD(StackFixture, "icmp: a timestamp request is answered with the originate time and ours") {
  introduce_peer();
  Frame req(20, std::byte{0});
  store_u8(req, 0, 13);
  store_be16(req, 4, 0x42);
  store_be16(req, 6, 9);
  store_be32(req, 8, 12345);
  store_be16(req, 2, internet_checksum(req));
  // t0 is 1'700'000'000 s after the epoch: 22:13:20 UT, 80'000'000 ms after midnight.
  feed(to_us(IpProtocol::icmp, req));
  REQUIRE(sink.frames.size() == 1);
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK(icmp.type() == IcmpType::timestamp_reply);
  CHECK(icmp.ident() == 0x42);
  CHECK(icmp.sequence() == 9);
  REQUIRE(icmp.data().size() == 12);
  CHECK(load_be32(icmp.data(), 0) == 12345);
  CHECK(load_be32(icmp.data(), 4) == 80'000'000);
  CHECK(load_be32(icmp.data(), 8) == 80'000'000);
}

TEST_CASE_METHOD(StackFixture, "icmp: a timestamp request to a broadcast is ignored with echo's knob, and counted as such") {
  introduce_peer();
  Frame req(20, std::byte{0});
  store_u8(req, 0, 13);
  store_be16(req, 2, internet_checksum(req));
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::ipv4,
                ipv4(kPeerIp, Ipv4Addr::from_octets(10, 0, 0, 255), IpProtocol::icmp, req)));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp_drop_timestamp_broadcast) == 1);
  CHECK(count(Counter::icmp_drop_echo_broadcast) == 0);
}

TEST_CASE_METHOD(StackFixture, "icmp: information and address mask requests are not answered, as on Linux") {
  introduce_peer();
  feed(to_us(IpProtocol::icmp, icmp_echo(1, 1, 4, IcmpType::info_request)));
  feed(to_us(IpProtocol::icmp, icmp_echo(1, 1, 4, IcmpType::address_mask_request)));
  CHECK(sink.frames.empty());
}
