// The stack as a whole: frames in, frames out, read as the peer would read them.
#include "stack/stack.hpp"

#include "stack_fixture.hpp"
#include "test_frames.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace tapstack;
using namespace tapstack::test;

namespace {

struct EchoReply {
  MacAddr eth_dst;
  Ipv4View ip;
  IcmpView icmp;
};

EchoReply emitted_echo_reply(const Emitted& e) {
  const auto eth = EthernetView::parse(e.frame);
  REQUIRE(eth);
  REQUIRE(eth->type() == EtherType::ipv4);
  CHECK(eth->src() == kOurMac);
  const auto ip = Ipv4View::parse(eth->payload());
  REQUIRE(ip);  // includes the header checksum
  const auto icmp = IcmpView::parse(ip->payload());
  REQUIRE(icmp);  // includes the ICMP checksum
  CHECK(icmp->type() == IcmpType::echo_reply);
  return {eth->dst(), *ip, *icmp};
}

}  // namespace

TEST_CASE_METHOD(StackFixture, "arp: a broadcast request for our IP is answered with our MAC, to the sender") {
  feed(arp_request_for_us());
  REQUIRE(sink.frames.size() == 1);
  const auto& out = sink.frames[0];
  CHECK(out.frame.size() == kEthernetMinFrameLen);  // 42 bytes padded to the Ethernet minimum
  CHECK(out.at == t0);
  const auto eth = EthernetView::parse(out.frame);
  CHECK(eth->dst() == kPeerMac);
  CHECK(eth->src() == kOurMac);
  CHECK(emitted_arp(out) == ArpPacket{ArpOp::reply, kOurMac, kOurIp, kPeerMac, kPeerIp});
  CHECK(count(Counter::arp_requests_answered) == 1);
  REQUIRE(stack->neighbours().find(kPeerIp) != nullptr);
  CHECK(stack->neighbours().find(kPeerIp)->state == NeighbourState::stale);
}

TEST_CASE_METHOD(StackFixture, "arp: the reply goes to the ARP sender address, not the Ethernet source") {
  constexpr MacAddr kBridge{{0x02, 0, 0, 0, 0, 0x77}};
  feed(ethernet(MacAddr::broadcast(), kBridge, EtherType::arp, arp(ArpOp::request, kPeerMac, kPeerIp, MacAddr::zero(), kOurIp)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(EthernetView::parse(sink.frames[0].frame)->dst() == kPeerMac);
}

TEST_CASE_METHOD(StackFixture, "arp: requests unicast to our MAC or to a multicast MAC are answered too") {
  feed(arp_request_for_us(kOurMac));
  feed(arp_request_for_us(MacAddr{{0x01, 0x00, 0x5e, 0, 0, 1}}));
  CHECK(sink.frames.size() == 2);
}

TEST_CASE_METHOD(StackFixture, "arp: a request for another address is not answered and teaches nothing") {
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp,
                arp(ArpOp::request, kPeerMac, kPeerIp, MacAddr::zero(), Ipv4Addr::from_octets(10, 0, 0, 3))));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::arp_drop_not_for_us) == 1);
  CHECK(stack->neighbours().find(kPeerIp) == nullptr);
}

TEST_CASE_METHOD(StackFixture, "arp: a frame to another host's MAC is dropped before ARP sees it") {
  feed(arp_request_for_us(MacAddr{{0x02, 0, 0, 0, 0, 0x55}}));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::eth_drop_other_host) == 1);
  CHECK(count(Counter::arp_in) == 0);
}

TEST_CASE_METHOD(StackFixture, "arp: an RFC 5227 probe for our address gets a reply with target IP 0.0.0.0") {
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, arp(ArpOp::request, kPeerMac, Ipv4Addr::any(), MacAddr::zero(), kOurIp)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_arp(sink.frames[0]) == ArpPacket{ArpOp::reply, kOurMac, kOurIp, kPeerMac, Ipv4Addr::any()});
  CHECK(stack->neighbours().entries().empty());
}

TEST_CASE_METHOD(StackFixture, "arp: someone claiming our address is reported and, by default, not answered") {
  constexpr MacAddr kIntruder{{0x02, 0, 0, 0, 0, 0x66}};
  feed(ethernet(MacAddr::broadcast(), kIntruder, EtherType::arp, arp(ArpOp::request, kIntruder, kOurIp, MacAddr::zero(), kOurIp)));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::arp_conflicts) == 1);
  REQUIRE(events.seen.size() == 1);
  CHECK(events.seen[0] == kIntruder);
}

TEST_CASE_METHOD(StackFixture, "arp: with --arp-defend a conflict is answered by one announcement per 10 s") {
  config.arp_defend = true;
  reconfigure();
  constexpr MacAddr kIntruder{{0x02, 0, 0, 0, 0, 0x66}};
  const Frame claim = ethernet(MacAddr::broadcast(), kIntruder, EtherType::arp,
                               arp(ArpOp::reply, kIntruder, kOurIp, MacAddr::broadcast(), kOurIp));
  feed(claim, t0);
  feed(claim, t0 + 5s);
  feed(claim, t0 + 11s);
  REQUIRE(sink.frames.size() == 2);
  CHECK(emitted_arp(sink.frames[0]) == ArpPacket{ArpOp::request, kOurMac, kOurIp, MacAddr::zero(), kOurIp});
  CHECK(sink.frames[1].at == t0 + 11s);
}

TEST_CASE_METHOD(StackFixture, "arp: an unsolicited reply does not add an entry, but refreshes an existing one") {
  constexpr MacAddr kNewMac{{0x02, 0, 0, 0, 0, 0x44}};
  feed(ethernet(kOurMac, kNewMac, EtherType::arp, arp(ArpOp::reply, kNewMac, kPeerIp, kOurMac, kOurIp)));
  CHECK(stack->neighbours().find(kPeerIp) == nullptr);
  introduce_peer();
  feed(ethernet(kOurMac, kNewMac, EtherType::arp, arp(ArpOp::reply, kNewMac, kPeerIp, kOurMac, kOurIp)), t0 + 2s);
  CHECK(stack->neighbours().find(kPeerIp)->mac == kNewMac);
  CHECK(stack->neighbours().find(kPeerIp)->state == NeighbourState::reachable);
}

TEST_CASE_METHOD(StackFixture, "arp: malformed packets are dropped and counted by reason") {
  auto bad = arp(ArpOp::request, kPeerMac, kPeerIp, MacAddr::zero(), kOurIp);
  store_be16(bad, 6, 9);
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, bad));
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, bytes({0, 1, 8, 0, 6, 4})));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::arp_drop_bad_op) == 1);
  CHECK(count(Counter::arp_drop_truncated) == 1);
}

TEST_CASE_METHOD(StackFixture, "arp: announce() sends a gratuitous request for our own address") {
  config.ipv6.link_local = false;  // IPv4 only: no DAD probe beside it (stack_ndp_test.cpp)
  reconfigure();
  stack->announce(t0);
  REQUIRE(sink.frames.size() == 1);
  CHECK(EthernetView::parse(sink.frames[0].frame)->dst().is_broadcast());
  CHECK(emitted_arp(sink.frames[0]) == ArpPacket{ArpOp::request, kOurMac, kOurIp, MacAddr::zero(), kOurIp});
}

TEST_CASE_METHOD(StackFixture, "icmp: an echo request is answered with the same id, sequence and data") {
  introduce_peer();
  const Frame request = echo_request_frame(3, 56);
  feed(request);
  REQUIRE(sink.frames.size() == 1);
  const auto reply = emitted_echo_reply(sink.frames[0]);
  CHECK(reply.eth_dst == kPeerMac);
  CHECK(reply.ip.src() == kOurIp);
  CHECK(reply.ip.dst() == kPeerIp);
  CHECK(reply.ip.ttl() == 64);
  CHECK(reply.ip.protocol() == IpProtocol::icmp);
  CHECK_FALSE(reply.ip.dont_fragment());
  CHECK(reply.icmp.ident() == 0x1c);
  CHECK(reply.icmp.sequence() == 3);
  const auto req_icmp = Ipv4View::parse(EthernetView::parse(request)->payload())->payload();
  CHECK(std::equal(reply.icmp.data().begin(), reply.icmp.data().end(), req_icmp.begin() + 8, req_icmp.end()));
  CHECK(reply.icmp.data().size() == 56);
  CHECK(count(Counter::icmp_echo_replies_sent) == 1);
}

TEST_CASE_METHOD(StackFixture, "icmp: the reply keeps the request's TOS and code, and is padded to 60 bytes") {
  introduce_peer();
  auto msg = icmp_echo(7, 1, 0);
  store_u8(msg, 1, 5);  // an odd code: Linux copies it into the reply
  store_be16(msg, 2, 0);
  store_be16(msg, 2, internet_checksum(msg));
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, msg, 0xb8)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(sink.frames[0].frame.size() == 60);
  const auto reply = emitted_echo_reply(sink.frames[0]);
  CHECK(reply.ip.tos() == 0xb8);
  CHECK(reply.icmp.code() == 5);
}

TEST_CASE_METHOD(StackFixture, "icmp: a ping from a host we do not know makes us ARP first, then answer") {
  feed(echo_request_frame(1), t0);
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_arp(sink.frames[0]) == ArpPacket{ArpOp::request, kOurMac, kOurIp, MacAddr::zero(), kPeerIp});
  feed(echo_request_frame(2), t0 + 100ms);
  CHECK(sink.frames.size() == 1);  // held, no second request
  feed(ethernet(kOurMac, kPeerMac, EtherType::arp, arp(ArpOp::reply, kPeerMac, kPeerIp, kOurMac, kOurIp)), t0 + 200ms);
  REQUIRE(sink.frames.size() == 3);
  CHECK(emitted_echo_reply(sink.frames[1]).icmp.sequence() == 1);
  CHECK(emitted_echo_reply(sink.frames[2]).icmp.sequence() == 2);
  CHECK(sink.frames[2].at == t0 + 200ms);
  CHECK(count(Counter::arp_held_sent) == 2);
}

TEST_CASE_METHOD(StackFixture, "icmp: held replies are dropped and counted when the host never answers ARP") {
  feed(echo_request_frame(1), t0);
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(stack->next_deadline() == t0 + std::chrono::seconds(i));
    stack->on_timer(*stack->next_deadline());
  }
  CHECK(sink.frames.size() == 3);  // three broadcast requests, no reply
  CHECK(count(Counter::arp_drop_unresolved) == 1);
  CHECK(count(Counter::arp_resolution_failed) == 1);
  CHECK_FALSE(stack->next_deadline());
}

TEST_CASE_METHOD(StackFixture, "icmp: with the neighbour table full of entries still resolving, a reply is dropped, not held") {
  // Linux: neigh_create() fails when forced GC frees nothing (entries resolving are referenced
  // by their timers), and ip_finish_output2() drops the packet.
  config.arp.max_entries = 2;
  reconfigure();
  const auto from = [](std::uint8_t host, std::uint16_t seq) {
    const Ipv4Addr src = Ipv4Addr::from_octets(10, 0, 0, host);
    return ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(src, kOurIp, IpProtocol::icmp, icmp_echo(0x1c, seq, 56)));
  };
  feed(from(10, 1), t0);
  feed(from(11, 2), t0);
  REQUIRE(stack->neighbours().entries().size() == 2);
  CHECK(stack->held_frames() == 2);
  CHECK(sink.frames.size() == 2);  // a request for each
  feed(from(12, 3), t0);
  CHECK(stack->held_frames() == 2);
  CHECK(sink.frames.size() == 2);  // no request either: there is no entry to resolve
  CHECK(count(Counter::arp_drop_table_full) == 1);
  CHECK(count(Counter::arp_drop_unresolved) == 0);
  // Once an entry has failed, there is room again.
  for (int i = 1; i <= 3; ++i) stack->on_timer(t0 + std::chrono::seconds(i));
  CHECK(stack->neighbours().entries().empty());
  feed(from(12, 4), t0 + 4s);
  CHECK(stack->held_frames() == 1);
  CHECK(count(Counter::arp_drop_table_full) == 1);
}

TEST_CASE_METHOD(StackFixture, "icmp: echo to a broadcast address is ignored by default and answered on request") {
  introduce_peer();
  const Frame to_subnet = echo_request_frame(1, 56, Ipv4Addr::from_octets(10, 0, 0, 255), MacAddr::broadcast());
  const Frame to_all = echo_request_frame(2, 56, Ipv4Addr::limited_broadcast(), MacAddr::broadcast());
  feed(to_subnet);
  feed(to_all);
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp_drop_echo_broadcast) == 2);

  config.icmp.echo_ignore_broadcasts = false;
  reconfigure();
  introduce_peer();
  feed(to_subnet);
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_echo_reply(sink.frames[0]).ip.src() == kOurIp);
}

TEST_CASE_METHOD(StackFixture, "icmp: icmp_echo_ignore_all silences echo replies") {
  config.icmp.echo_ignore_all = true;
  reconfigure();
  introduce_peer();
  feed(echo_request_frame());
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp_drop_echo_ignored) == 1);
}

TEST_CASE_METHOD(StackFixture, "icmp: a corrupted message or a truncated one is dropped and counted") {
  introduce_peer();
  auto msg = icmp_echo(1, 1, 8);
  msg[9] ^= std::byte{0xff};
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, msg)));
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, bytes({8, 0, 0xf7, 0xff}))));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::icmp_drop_bad_checksum) == 1);
  CHECK(count(Counter::icmp_drop_truncated) == 1);
}

TEST_CASE_METHOD(StackFixture, "ipv4: Ethernet padding after the datagram is ignored") {
  introduce_peer();
  Frame padded = echo_request_frame(1, 0);
  padded.resize(60, std::byte{0xab});
  feed(padded);
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_echo_reply(sink.frames[0]).icmp.data().empty());
}

TEST_CASE_METHOD(StackFixture, "ipv4: martian sources are never answered") {
  introduce_peer();
  for (const auto src : {Ipv4Addr::any(), Ipv4Addr::limited_broadcast(), Ipv4Addr::from_octets(127, 0, 0, 1),
                         Ipv4Addr::from_octets(224, 0, 0, 5), Ipv4Addr::from_octets(10, 0, 0, 255), kOurIp}) {
    feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(src, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8))));
  }
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ip_drop_martian_source) == 6);
}

TEST_CASE_METHOD(StackFixture, "ipv4: datagrams for other addresses are not ours to answer") {
  introduce_peer();
  feed(echo_request_frame(1, 8, Ipv4Addr::from_octets(10, 0, 0, 3)));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ip_drop_not_for_us) == 1);
}

TEST_CASE_METHOD(StackFixture, "ipv4: a unicast datagram in a link-layer broadcast is discarded (RFC 1122 3.3.6)") {
  introduce_peer();
  feed(echo_request_frame(1, 8, kOurIp, MacAddr::broadcast()));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ip_drop_bad_link_type) == 1);
}

TEST_CASE_METHOD(StackFixture, "ethernet: VLAN, LLC, unknown types and runts are dropped by reason; IPv6 goes to IPv6") {
  feed(ethernet(kOurMac, kPeerMac, EtherType::vlan, bytes({0, 1, 8, 0})));
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv6, bytes({0x60, 0, 0, 0})));
  feed(ethernet(kOurMac, kPeerMac, EtherType{46}, Frame(46)));
  feed(ethernet(kOurMac, kPeerMac, EtherType{0x88b5}, Frame(46)));
  feed(bytes({1, 2, 3}));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::eth_drop_vlan) == 1);
  CHECK(count(Counter::ipv6_drop_truncated) == 1);  // 4 bytes of an IPv6 header
  CHECK(count(Counter::eth_drop_llc) == 1);
  CHECK(count(Counter::eth_drop_unknown_type) == 1);
  CHECK(count(Counter::eth_drop_runt) == 1);
  CHECK(count(Counter::frames_in) == 5);
  CHECK(stack->counters().total_drops() == 5);
}

TEST_CASE_METHOD(StackFixture, "tun: bare IPv4 in, bare IPv4 out, no ARP") {
  config.mode = LinkMode::tun;
  reconfigure();
  const Frame request = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(9, 4, 16));
  feed(request);
  REQUIRE(sink.frames.size() == 1);
  const auto ip = Ipv4View::parse(sink.frames[0].frame);
  REQUIRE(ip);
  CHECK(sink.frames[0].frame.size() == request.size());  // no Ethernet padding on a TUN link
  CHECK(ip->dst() == kPeerIp);
  CHECK(IcmpView::parse(ip->payload())->sequence() == 4);
  stack->announce(t0);
  CHECK(sink.frames.size() == 1);
}

TEST_CASE_METHOD(StackFixture, "robustness: every truncation of valid frames is dropped without a reply or a crash") {
  introduce_peer();
  for (const Frame& valid : {echo_request_frame(1, 56), arp_request_for_us()}) {
    for (std::size_t len = 0; len < 42; ++len) {
      feed(Frame(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(len)));
    }
  }
  CHECK(sink.frames.empty());
  CHECK(stack->counters().total_drops() == 84);
}

TEST_CASE_METHOD(StackFixture, "robustness: random mutations of valid frames never crash the stack") {
  introduce_peer();
  std::mt19937 rng(826);
  const Frame seeds[] = {echo_request_frame(1, 56), arp_request_for_us(), echo_request_frame(2, 1472)};
  for (int i = 0; i < 20000; ++i) {
    Frame f = seeds[static_cast<std::size_t>(i) % 3];
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) f[rng() % f.size()] = static_cast<std::byte>(rng());
    if (rng() % 4 == 0) f.resize(rng() % f.size());
    feed(f, t0 + std::chrono::milliseconds(i));
  }
  CHECK(stack->counters()[Counter::frames_in] == 20001);
  // Whatever was emitted is well formed.
  for (const auto& e : sink.frames) REQUIRE(EthernetView::parse(e.frame));
}

TEST_CASE_METHOD(StackFixture, "ethernet: a priority tag (VLAN 0) is taken as untagged, as Linux does") {
  introduce_peer();
  const Frame plain = echo_request_frame(1, 8);
  Frame tagged(plain.begin(), plain.begin() + 12);
  for (int b : {0x81, 0x00, 0xa0, 0x00}) tagged.push_back(static_cast<std::byte>(b));  // PCP 5, VID 0
  tagged.insert(tagged.end(), plain.begin() + 12, plain.end());
  feed(tagged);
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_echo_reply(sink.frames[0]).icmp.sequence() == 1);  // and the reply is untagged

  store_be16(tagged, 14, 0xa005);  // VID 5: a VLAN we are not on
  feed(tagged);
  CHECK(sink.frames.size() == 1);
  CHECK(count(Counter::eth_drop_vlan) == 1);
}

TEST_CASE_METHOD(StackFixture, "arp: a request for us from a new MAC overrides the entry at once (neigh_event_ns)") {
  introduce_peer();
  constexpr MacAddr kNewMac{{0x02, 0, 0x0a, 0, 0, 0x51}};
  feed(ethernet(MacAddr::broadcast(), kNewMac, EtherType::arp, arp(ArpOp::request, kNewMac, kPeerIp, MacAddr::zero(), kOurIp)),
       t0 + 100ms);
  CHECK(stack->neighbours().find(kPeerIp)->mac == kNewMac);
}

TEST_CASE_METHOD(StackFixture, "arp: a request from the subnet broadcast address is answered but not cached") {
  const auto bcast = Ipv4Addr::from_octets(10, 0, 0, 255);
  feed(ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp, arp(ArpOp::request, kPeerMac, bcast, MacAddr::zero(), kOurIp)));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_arp(sink.frames[0]).target_ip == bcast);
  CHECK(stack->neighbours().entries().empty());
}

TEST_CASE_METHOD(StackFixture, "icmp: an all-zero echo (id 0, seq 0, no data) gets a reply whose checksum verifies") {
  introduce_peer();
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, bytes({8, 0, 0xf7, 0xff, 0, 0, 0, 0}))));
  REQUIRE(sink.frames.size() == 1);
  const auto reply = emitted_echo_reply(sink.frames[0]);  // parses only with a valid checksum
  CHECK(reply.icmp.checksum() == 0xffff);
}
