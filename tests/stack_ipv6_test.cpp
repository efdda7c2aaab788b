// IPv6 input, ICMPv6 and transport over IPv6, through the whole Stack. Most cases run in TUN
// mode, where a reply leaves without neighbour discovery; the TAP cases check what needs a link.
#include "stack/stack.hpp"

#include "ipv6_frames.hpp"
#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {

struct Ipv6Fixture {
  StackConfig config = [] {
    StackConfig c = test_config();
    c.mode = LinkMode::tun;
    c.ipv6.addresses = {Ipv6Interface{kOurIp6, 64}};
    return c;
  }();
  CapturingSink sink;
  std::optional<Stack> stack;
  Instant t0 = instant_from_ns(1'700'000'000'000'000'000);

  Ipv6Fixture() { stack.emplace(config, sink); }
  void reconfigure() {
    sink.frames.clear();
    stack.emplace(config, sink);
  }
  void feed(const Frame& datagram, Instant at) { stack->on_frame(datagram, at); }
  void feed(const Frame& datagram) { feed(datagram, t0); }
  std::uint64_t count(Counter c) const { return stack->counters()[c]; }
};

Ipv6View emitted_ipv6(const Emitted& e) {
  const auto ip = Ipv6View::parse(e.frame);
  REQUIRE(ip);
  REQUIRE(ip->datagram().size() == e.frame.size());
  return *ip;
}

Icmpv6View emitted_icmpv6(const Emitted& e) {
  const Ipv6View ip = emitted_ipv6(e);
  REQUIRE(ip.next_header() == IpProtocol::icmpv6);
  const auto icmp = Icmpv6View::parse(ip.payload(), ip.src(), ip.dst());
  REQUIRE(icmp);
  return *icmp;
}

Frame echo6(const Ipv6Addr& src = kPeerIp6, const Ipv6Addr& dst = kOurIp6, std::uint16_t seq = 1, std::size_t len = 56,
            const std::vector<ExtHeader>& ext = {}) {
  return ipv6(src, dst, IpProtocol::icmpv6, icmpv6_echo(0x1c, seq, len, src, dst), ext);
}

Frame option(std::uint8_t type, std::size_t value_len) {
  Frame o{static_cast<std::byte>(type), static_cast<std::byte>(value_len)};
  o.insert(o.end(), value_len, std::byte{0});
  return o;
}

}  // namespace

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: an echo request is answered with id, sequence and data, hop limit 64") {
  feed(echo6());
  REQUIRE(sink.frames.size() == 1);
  const Ipv6View ip = emitted_ipv6(sink.frames[0]);
  CHECK(ip.src() == kOurIp6);
  CHECK(ip.dst() == kPeerIp6);
  CHECK(ip.hop_limit() == 64);
  const Icmpv6View icmp = emitted_icmpv6(sink.frames[0]);
  CHECK(icmp.type() == Icmpv6Type::echo_reply);
  CHECK(icmp.ident() == 0x1c);
  CHECK(icmp.sequence() == 1);
  CHECK(icmp.data().size() == 56);
  CHECK(count(Counter::icmp6_echo_replies_sent) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: the reply keeps the request's traffic class; the hop limit is configurable") {
  config.icmpv6.hop_limit = 17;
  reconfigure();
  Frame d = echo6();
  store_u8(d, 0, 0x6b);  // traffic class 0xb8 (EF)
  store_u8(d, 1, 0x80);
  feed(d);
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_ipv6(sink.frames[0]).traffic_class() == 0xb8);
  CHECK(emitted_ipv6(sink.frames[0]).hop_limit() == 17);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: an echo to all-nodes is answered from our address; echo_ignore_multicast silences it") {
  feed(echo6(kPeerIp6, Ipv6Addr::all_nodes()));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_ipv6(sink.frames[0]).src() == kOurIp6);
  config.icmpv6.echo_ignore_multicast = true;
  reconfigure();
  feed(echo6(kPeerIp6, Ipv6Addr::all_nodes()));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp6_drop_echo_multicast) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: echo_ignore_all silences every echo") {
  config.icmpv6.echo_ignore_all = true;
  reconfigure();
  feed(echo6());
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp6_drop_echo_ignored) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: a bad ICMPv6 checksum is dropped") {
  Frame d = echo6();
  d.back() ^= std::byte{1};
  feed(d);
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp6_drop_bad_checksum) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: destinations that are not ours, ff01::1 and multicast sources are dropped") {
  feed(echo6(kPeerIp6, *Ipv6Addr::parse("fd00::3")));
  CHECK(count(Counter::ipv6_drop_not_for_us) == 1);
  feed(echo6(kPeerIp6, *Ipv6Addr::parse("ff01::1")));
  CHECK(count(Counter::ipv6_drop_bad_multicast_scope) == 1);
  feed(echo6(*Ipv6Addr::parse("ff02::5"), kOurIp6));
  CHECK(count(Counter::ipv6_drop_multicast_source) == 1);
  feed(echo6(kPeerIp6, *Ipv6Addr::parse("ff02::2")));  // all-routers: we are not one
  CHECK(count(Counter::ipv6_drop_not_for_us) == 2);
  feed(echo6(kPeerIp6, kOurIp6.solicited_node()));
  CHECK(sink.frames.size() == 1);  // our solicited-node group is joined
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: UDP to a closed port earns port unreachable quoting the datagram") {
  const Frame d = ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, udp6(40000, 9, 20, kPeerIp6, kOurIp6));
  feed(d);
  REQUIRE(sink.frames.size() == 1);
  const Icmpv6View icmp = emitted_icmpv6(sink.frames[0]);
  CHECK(icmp.type() == Icmpv6Type::dest_unreachable);
  CHECK(icmp.code() == std::to_underlying(Icmpv6UnreachableCode::port));
  CHECK(icmp.rest() == 0);
  CHECK(Frame(icmp.data().begin(), icmp.data().end()) == d);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: UDP with a zero checksum is dropped unanswered (RFC 8200 8.1)") {
  Frame seg = udp6(40000, 9, 20, kPeerIp6, kOurIp6);
  store_be16(seg, 6, 0);
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, seg));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ipv6_drop_udp_zero_checksum) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: UDP to all-nodes earns no error (RFC 4443 2.4 e.3)") {
  feed(ipv6(kPeerIp6, Ipv6Addr::all_nodes(), IpProtocol::udp, udp6(40000, 9, 20, kPeerIp6, Ipv6Addr::all_nodes())));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp6_errors_suppressed) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: a SYN to a closed port earns RST+ACK from our address") {
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol::tcp, tcp6(tcp_flag::syn, 1000, 0, kPeerIp6, kOurIp6)));
  REQUIRE(sink.frames.size() == 1);
  const Ipv6View ip = emitted_ipv6(sink.frames[0]);
  REQUIRE(ip.next_header() == IpProtocol::tcp);
  const auto tcp = TcpView::parse(ip.payload(), ip.src(), ip.dst());
  REQUIRE(tcp);
  CHECK(tcp->flags() == (tcp_flag::rst | tcp_flag::ack));
  CHECK(tcp->ack() == 1001);
  CHECK(tcp->src_port() == 80);
  CHECK(count(Counter::tcp_resets_sent) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: an unknown next header earns parameter problem code 1 pointing at its field") {
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol{253}, Frame(8), {options_header(IpProtocol::dst_options, {})}));
  REQUIRE(sink.frames.size() == 1);
  const Icmpv6View icmp = emitted_icmpv6(sink.frames[0]);
  CHECK(icmp.type() == Icmpv6Type::parameter_problem);
  CHECK(icmp.code() == 1);
  CHECK(icmp.rest() == kIpv6HeaderLen);  // the destination options header's next header byte
  CHECK(count(Counter::ipv6_drop_unknown_next_header) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: next header 59 is dropped in silence") {
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol::no_next, Frame(8)));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ipv6_drop_no_next_header) == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: an unknown option 10xxxxxx to a group is reported, 11xxxxxx is not") {
  const Ipv6Addr group = Ipv6Addr::all_nodes();
  feed(echo6(kPeerIp6, group, 1, 8, {options_header(IpProtocol::dst_options, option(0x9e, 2))}));
  REQUIRE(sink.frames.size() == 1);
  const Icmpv6View icmp = emitted_icmpv6(sink.frames[0]);
  CHECK(icmp.type() == Icmpv6Type::parameter_problem);
  CHECK(icmp.code() == 2);
  CHECK(icmp.rest() == kIpv6HeaderLen + 2);
  CHECK(emitted_ipv6(sink.frames[0]).src() == kOurIp6);  // selected: the group is no source
  sink.frames.clear();
  feed(echo6(kPeerIp6, group, 2, 8, {options_header(IpProtocol::dst_options, option(0xde, 2))}));
  CHECK(sink.frames.empty());
  feed(echo6(kPeerIp6, kOurIp6, 3, 8, {options_header(IpProtocol::hop_by_hop, option(0xde, 2))}));
  CHECK(sink.frames.size() == 1);
  CHECK(count(Counter::ipv6_drop_unknown_option) == 3);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: routing type 0 with segments left earns parameter problem code 0 at the type") {
  feed(echo6(kPeerIp6, kOurIp6, 1, 8, {routing_header(0, 1)}));
  REQUIRE(sink.frames.size() == 1);
  const Icmpv6View icmp = emitted_icmpv6(sink.frames[0]);
  CHECK(icmp.code() == 0);
  CHECK(icmp.rest() == kIpv6HeaderLen + 2);
  sink.frames.clear();
  feed(echo6(kPeerIp6, kOurIp6, 2, 8, {routing_header(0, 0)}));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_icmpv6(sink.frames[0]).type() == Icmpv6Type::echo_reply);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: no error about an ICMPv6 error, nor to the unspecified source") {
  const Frame quoted = ipv6(kOurIp6, kPeerIp6, IpProtocol::udp, udp6(1, 2, 0, kOurIp6, kPeerIp6));
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, icmpv6_message(Icmpv6Type::dest_unreachable, 4, 0, quoted, kPeerIp6, kOurIp6),
            {options_header(IpProtocol::dst_options, option(0x80, 2))}));
  CHECK(sink.frames.empty());
  feed(ipv6(Ipv6Addr::unspecified(), kOurIp6, IpProtocol::udp, udp6(1, 2, 0, Ipv6Addr::unspecified(), kOurIp6)));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp6_errors_suppressed) == 2);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: an error quotes at most what fits in 1280 bytes") {
  config.mtu = 9000;
  reconfigure();
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, udp6(1, 2, 3000, kPeerIp6, kOurIp6)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(sink.frames[0].frame.size() == kIcmpv6ErrorMaxLen);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: errors to one neighbour: a burst of 6, then one per 100 ms (Linux 6.18)") {
  const auto closed_port = [&](std::uint16_t sport) {
    return ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, udp6(sport, 9, 4, kPeerIp6, kOurIp6));
  };
  for (std::uint16_t i = 0; i < 10; ++i) feed(closed_port(i));
  CHECK(sink.frames.size() == 6);
  CHECK(count(Counter::icmp6_errors_rate_limited) == 4);
  feed(closed_port(20), t0 + 99ms);
  CHECK(sink.frames.size() == 6);
  feed(closed_port(21), t0 + 100ms);
  CHECK(sink.frames.size() == 7);
  // Echo replies are not in the default mask: never limited.
  for (std::uint16_t i = 0; i < 10; ++i) feed(echo6(kPeerIp6, kOurIp6, i), t0 + 100ms);
  CHECK(sink.frames.size() == 17);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: truncated, wrong-version and padded datagrams") {
  Frame d = echo6();
  feed(Frame(d.begin(), d.end() - 1));
  CHECK(count(Counter::ipv6_drop_truncated) == 1);
  Frame padded = d;
  padded.resize(d.size() + 10);
  feed(padded);
  CHECK(sink.frames.size() == 1);
}

TEST_CASE_METHOD(Ipv6Fixture, "ipv6 stack: IPv4 still goes to IPv4 in TUN mode") {
  feed(ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(count(Counter::icmp_echo_replies_sent) == 1);
  CHECK(count(Counter::ipv6_in) == 0);
}

TEST_CASE_METHOD(StackFixture, "ipv6 stack (TAP): an echo to our link-local address is accepted and answered from it") {
  feed(eth6(echo6(kPeerLinkLocal, kOurLinkLocal)));
  CHECK(count(Counter::icmp6_echo_replies_sent) == 1);
  CHECK(count(Counter::ipv6_out) == 1);
}

TEST_CASE_METHOD(StackFixture, "ipv6 stack (TAP): a reply off-link is not sent: no router") {
  config.ipv6.addresses = {Ipv6Interface{kOurIp6, 64}};
  reconfigure();
  feed(eth6(echo6(*Ipv6Addr::parse("2001:db8::1"), kOurIp6)));
  CHECK(count(Counter::ipv6_drop_no_route) == 1);
  CHECK(count(Counter::icmp6_echo_replies_sent) == 0);
}

TEST_CASE_METHOD(StackFixture, "ipv6 stack (TAP): a frame to a link-layer group with a unicast destination earns no error") {
  feed(eth6(ipv6(kPeerLinkLocal, kOurLinkLocal, IpProtocol::udp, udp6(1, 2, 4, kPeerLinkLocal, kOurLinkLocal)),
            multicast_mac_for(Ipv6Addr::all_nodes())));
  CHECK(count(Counter::udp_port_unreachable) == 1);
  CHECK(count(Counter::icmp6_errors_suppressed) == 1);
}

TEST_CASE("ipv6 stack (TAP): echoes to all-nodes from link-local and global requesters are both answered") {
  StackConfig c = test_config();
  c.ipv6.addresses = {Ipv6Interface{kOurIp6, 64}};
  CapturingSink sink;
  Stack stack(c, sink);
  // The replies wait for neighbour discovery; which source each got is stack_ipv6's select_source6.
  stack.on_frame(eth6(echo6(kPeerLinkLocal, Ipv6Addr::all_nodes())), instant_from_ns(0));
  stack.on_frame(eth6(echo6(kPeerIp6, Ipv6Addr::all_nodes())), instant_from_ns(0));
  CHECK(stack.counters()[Counter::icmp6_echo_replies_sent] == 2);
}
