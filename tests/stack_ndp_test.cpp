// NDP and DAD through the Stack: what goes out on announce(), on timers and, once IPv6 input
// hands them over, in answer to solicitations and advertisements.
#include "stack/stack.hpp"
#include "stack/wire/ndp.hpp"

#include "ipv6_frames.hpp"
#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {

struct Ipv6ConflictLog final : StackEvents {
  using StackEvents::address_conflict;
  void address_conflict(Ipv6Addr ours, MacAddr other, Instant) override { seen.push_back({ours, other}); }
  std::vector<std::pair<Ipv6Addr, MacAddr>> seen;
};

// An NDP message as it left the stack: the Ethernet destination, the IPv6 header, the ICMPv6
// type and the body, with the ICMPv6 checksum verified.
struct EmittedNd {
  MacAddr eth_dst;
  Ipv6Addr src;
  Ipv6Addr dst;
  std::uint8_t hop_limit;
  Icmpv6Type type;
  Frame body;
};

EmittedNd emitted_nd(const Emitted& e) {
  const auto eth = EthernetView::parse(e.frame);
  REQUIRE(eth);
  REQUIRE(eth->type() == EtherType::ipv6);
  CHECK(eth->src() == kOurMac);
  const auto ip = Ipv6View::parse(eth->payload());
  REQUIRE(ip);
  REQUIRE(ip->next_header() == IpProtocol::icmpv6);
  const auto icmp = Icmpv6View::parse(ip->payload(), ip->src(), ip->dst());
  REQUIRE(icmp);
  const Bytes body = icmp->message().subspan(kNdpIcmpHeaderLen);
  return {eth->dst(), ip->src(), ip->dst(), ip->hop_limit(), icmp->type(), Frame(body.begin(), body.end())};
}

// A frame carrying an NDP message: the ICMPv6 header in front of body, hop limit 255 unless told.
Frame nd_frame(Icmpv6Type type, const Frame& body, const Ipv6Addr& src, const Ipv6Addr& dst, MacAddr eth_dst,
               MacAddr eth_src = kPeerMac, std::uint8_t hop_limit = 255, std::uint8_t code = 0) {
  Frame message(kNdpIcmpHeaderLen + body.size());
  std::copy(body.begin(), body.end(), message.begin() + kNdpIcmpHeaderLen);
  message[0] = static_cast<std::byte>(std::to_underlying(type));
  message[1] = static_cast<std::byte>(code);
  fill_icmpv6_checksum(message, src, dst);
  return eth6(ipv6(src, dst, IpProtocol::icmpv6, message, {}, hop_limit), eth_dst, eth_src);
}

Frame ns_body(const Ipv6Addr& target, std::optional<MacAddr> slla) {
  const NeighbourSolicitation ns{target, slla};
  Frame body(ns.body_len());
  ns.emit(body);
  return body;
}

Frame na_body(const NeighbourAdvertisement& na) {
  Frame body(na.body_len());
  na.emit(body);
  return body;
}

struct NdpFixture : StackFixture {
  Ipv6ConflictLog conflicts;
  NdpFixture() {
    config.ipv6.addresses = {Ipv6Interface{kOurIp6, 64}};
    stack.emplace(config, sink, &conflicts);
  }
  void rebuild() {
    sink.frames.clear();
    stack.emplace(config, sink, &conflicts);
  }
  Ipv6AddressState state_of(const Ipv6Addr& a) const {
    for (const OwnedIpv6Address& owned : stack->ipv6_addresses())
      if (owned.net.addr == a) return owned.state;
    FAIL("not one of our addresses");
    return Ipv6AddressState::duplicate;
  }
  // The NDP messages among what was emitted (announce() sends a gratuitous ARP first).
  std::vector<EmittedNd> nd_frames() const {
    std::vector<EmittedNd> out;
    for (const Emitted& e : sink.frames)
      if (EthernetView::parse(e.frame)->type() == EtherType::ipv6) out.push_back(emitted_nd(e));
    return out;
  }
};

}  // namespace

TEST_CASE_METHOD(NdpFixture, "ndp: the configured addresses and the TAP link-local one are owned, preferred without announce()") {
  const auto owned = stack->ipv6_addresses();
  REQUIRE(owned.size() == 2);
  CHECK(owned[0].net == Ipv6Interface{kOurIp6, 64});
  CHECK(owned[1].net == Ipv6Interface{kOurLinkLocal, 64});
  for (const OwnedIpv6Address& o : owned) CHECK(o.state == Ipv6AddressState::preferred);
  CHECK_FALSE(stack->next_deadline());
}

TEST_CASE_METHOD(NdpFixture, "ndp: TUN mode owns no link-local address and sends no DAD") {
  config.mode = LinkMode::tun;
  rebuild();
  REQUIRE(stack->ipv6_addresses().size() == 1);
  stack->announce(t0);
  CHECK(sink.frames.empty());
  CHECK(state_of(kOurIp6) == Ipv6AddressState::preferred);
}

TEST_CASE_METHOD(NdpFixture, "dad: announce() probes every address from :: to its solicited-node group, then prefers it and announces it") {
  stack->announce(t0);
  auto nd = nd_frames();
  REQUIRE(nd.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const Ipv6Addr target = stack->ipv6_addresses()[i].net.addr;
    CHECK(nd[i].type == Icmpv6Type::neighbour_solicitation);
    CHECK(nd[i].src == Ipv6Addr::unspecified());
    CHECK(nd[i].dst == target.solicited_node());
    CHECK(nd[i].eth_dst == multicast_mac_for(target.solicited_node()));
    CHECK(nd[i].hop_limit == 255);
    CHECK(NeighbourSolicitation::parse(nd[i].body) == NeighbourSolicitation{target, std::nullopt});
    CHECK(state_of(target) == Ipv6AddressState::tentative);
  }
  CHECK(count(Counter::nd_dad_probes_sent) == 2);
  REQUIRE(stack->next_deadline() == t0 + config.arp.retrans_time);

  // One probe (dad_transmits = 1), RetransTimer of silence: preferred, and an unsolicited NA.
  sink.frames.clear();
  stack->on_timer(t0 + config.arp.retrans_time);
  nd = nd_frames();
  REQUIRE(nd.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const Ipv6Addr target = stack->ipv6_addresses()[i].net.addr;
    CHECK(nd[i].type == Icmpv6Type::neighbour_advertisement);
    CHECK(nd[i].src == target);
    CHECK(nd[i].dst == Ipv6Addr::all_nodes());
    CHECK(nd[i].eth_dst == multicast_mac_for(Ipv6Addr::all_nodes()));
    CHECK(NeighbourAdvertisement::parse(nd[i].body) ==
          NeighbourAdvertisement{.solicited = false, .override = true, .target = target, .target_mac = kOurMac});
    CHECK(state_of(target) == Ipv6AddressState::preferred);
  }
  CHECK(count(Counter::nd_announcements_sent) == 2);
  CHECK_FALSE(stack->next_deadline());
}

TEST_CASE_METHOD(NdpFixture, "dad: dad_transmits probes go retrans_time apart") {
  config.ipv6.dad_transmits = 3;
  config.ipv6.link_local = false;
  rebuild();
  stack->announce(t0);
  stack->on_timer(t0 + 1s);
  stack->on_timer(t0 + 2s);
  CHECK(count(Counter::nd_dad_probes_sent) == 3);
  CHECK(state_of(kOurIp6) == Ipv6AddressState::tentative);
  stack->on_timer(t0 + 3s);
  CHECK(state_of(kOurIp6) == Ipv6AddressState::preferred);
  CHECK(count(Counter::nd_announcements_sent) == 1);
}

TEST_CASE_METHOD(NdpFixture, "dad: with dad_transmits 0 (--no-dad) the addresses stay preferred and are announced at once") {
  config.ipv6.dad_transmits = 0;
  rebuild();
  stack->announce(t0);
  CHECK(count(Counter::nd_dad_probes_sent) == 0);
  CHECK(state_of(kOurIp6) == Ipv6AddressState::preferred);
  stack->on_timer(t0);
  CHECK(count(Counter::nd_announcements_sent) == 2);
}

TEST_CASE_METHOD(NdpFixture, "dad: a later announce() (ARP defence) does not restart DAD") {
  stack->announce(t0);
  stack->on_timer(t0 + 1s);
  stack->announce(t0 + 2s);
  CHECK(count(Counter::nd_dad_probes_sent) == 2);
  CHECK(state_of(kOurIp6) == Ipv6AddressState::preferred);
}

// ---- input: solicitations and advertisements through on_frame -----------------------------

TEST_CASE_METHOD(NdpFixture, "ndp: a multicast NS for our address gets an NA with S, O and our MAC, and the solicitor is learned") {
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac), kPeerIp6, kOurIp6.solicited_node(),
                multicast_mac_for(kOurIp6.solicited_node())));
  REQUIRE(sink.frames.size() == 1);
  const auto na = emitted_nd(sink.frames[0]);
  CHECK(na.eth_dst == kPeerMac);
  CHECK(na.src == kOurIp6);
  CHECK(na.dst == kPeerIp6);
  CHECK(na.hop_limit == 255);
  CHECK(na.type == Icmpv6Type::neighbour_advertisement);
  CHECK(NeighbourAdvertisement::parse(na.body) ==
        NeighbourAdvertisement{.solicited = true, .override = true, .target = kOurIp6, .target_mac = kOurMac});
  const Neighbour6* peer = stack->neighbours6().find(kPeerIp6);
  REQUIRE(peer != nullptr);
  CHECK(peer->mac == kPeerMac);
  // Learned STALE, then used for the NA: DELAY, as Linux's neighbour shows after answering.
  CHECK(peer->state == NeighbourState::delay);
  CHECK(count(Counter::nd_solicitations_answered) == 1);
  CHECK(count(Counter::nd_cache_learned) == 1);
  CHECK(count(Counter::arp_cache_learned) == 0);
}

TEST_CASE_METHOD(NdpFixture, "ndp: a unicast NS (NUD) gets an NA with S but not O, and no target link-layer option") {
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurLinkLocal, kPeerMac), kPeerLinkLocal, kOurLinkLocal,
                kOurMac));
  REQUIRE(sink.frames.size() == 1);
  const auto na = emitted_nd(sink.frames[0]);
  CHECK(na.src == kOurLinkLocal);
  CHECK(na.dst == kPeerLinkLocal);
  CHECK(NeighbourAdvertisement::parse(na.body) ==
        NeighbourAdvertisement{.solicited = true, .override = false, .target = kOurLinkLocal, .target_mac = std::nullopt});
}

TEST_CASE_METHOD(NdpFixture, "ndp: another node's DAD probe for a preferred address is answered to all-nodes") {
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, std::nullopt), Ipv6Addr::unspecified(),
                kOurIp6.solicited_node(), multicast_mac_for(kOurIp6.solicited_node())));
  REQUIRE(sink.frames.size() == 1);
  const auto na = emitted_nd(sink.frames[0]);
  CHECK(na.eth_dst == multicast_mac_for(Ipv6Addr::all_nodes()));
  CHECK(na.src == kOurIp6);
  CHECK(na.dst == Ipv6Addr::all_nodes());
  CHECK(NeighbourAdvertisement::parse(na.body) ==
        NeighbourAdvertisement{.solicited = false, .override = true, .target = kOurIp6, .target_mac = kOurMac});
  CHECK(stack->neighbours6().entries().empty());
}

TEST_CASE_METHOD(NdpFixture, "ndp: messages failing RFC 4861 §7.1 validation are dropped with their reason") {
  const Ipv6Addr group = kOurIp6.solicited_node();
  const MacAddr group_mac = multicast_mac_for(group);
  struct Case {
    const char* what;
    Frame frame;
    Counter counter;
  };
  const std::vector<Case> cases{
      {"hop limit 254", nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac), kPeerIp6, group, group_mac, kPeerMac, 254),
       Counter::nd_drop_invalid},
      {"code 1", nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac), kPeerIp6, group, group_mac, kPeerMac, 255, 1),
       Counter::nd_drop_invalid},
      {"too short", nd_frame(Icmpv6Type::neighbour_solicitation, Frame(12), kPeerIp6, group, group_mac), Counter::nd_drop_invalid},
      {"multicast target", nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(group, kPeerMac), kPeerIp6, group, group_mac),
       Counter::nd_drop_multicast_target},
      {"DAD to a unicast address", nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, std::nullopt),
                                            Ipv6Addr::unspecified(), kOurIp6, kOurMac),
       Counter::nd_drop_bad_dad},
      {"DAD with a source link-layer option", nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac),
                                                       Ipv6Addr::unspecified(), group, group_mac),
       Counter::nd_drop_bad_dad},
      {"NS for another address", nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(*Ipv6Addr::parse("fd00::99"), kPeerMac),
                                          kPeerIp6, kOurIp6, kOurMac),
       Counter::nd_drop_not_for_us},
      {"solicited NA to a group",
       nd_frame(Icmpv6Type::neighbour_advertisement,
                na_body({.solicited = true, .override = true, .target = kPeerIp6, .target_mac = kPeerMac}), kPeerIp6,
                Ipv6Addr::all_nodes(), multicast_mac_for(Ipv6Addr::all_nodes())),
       Counter::nd_drop_invalid},
      {"NA nobody asked for",
       nd_frame(Icmpv6Type::neighbour_advertisement,
                na_body({.solicited = false, .override = true, .target = kPeerIp6, .target_mac = kPeerMac}), kPeerIp6,
                Ipv6Addr::all_nodes(), multicast_mac_for(Ipv6Addr::all_nodes())),
       Counter::nd_drop_unsolicited_na},
      {"router solicitation", nd_frame(Icmpv6Type::router_solicitation, Frame(4), kPeerLinkLocal, Ipv6Addr::all_nodes(),
                                       multicast_mac_for(Ipv6Addr::all_nodes())),
       Counter::nd_drop_router},
      {"router advertisement", nd_frame(Icmpv6Type::router_advertisement, Frame(12), kPeerLinkLocal, Ipv6Addr::all_nodes(),
                                        multicast_mac_for(Ipv6Addr::all_nodes())),
       Counter::nd_drop_router},
      {"redirect", nd_frame(Icmpv6Type::redirect, Frame(36), kPeerLinkLocal, kOurLinkLocal, kOurMac), Counter::nd_drop_router},
      {"MLD query", nd_frame(Icmpv6Type::mld_query, Frame(20), kPeerLinkLocal, Ipv6Addr::all_nodes(),
                             multicast_mac_for(Ipv6Addr::all_nodes()), kPeerMac, 1),
       Counter::nd_drop_mld},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    reconfigure();
    feed(c.frame);
    CHECK(sink.frames.empty());
    CHECK(count(c.counter) == 1);
    CHECK(stack->neighbours6().entries().empty());
  }
}

TEST_CASE_METHOD(NdpFixture, "ndp: a reply to an unknown neighbour waits for NDP: multicast NS, then released by the NA") {
  feed(eth6(ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, icmpv6_echo(7, 1, 32, kPeerIp6, kOurIp6))));
  REQUIRE(sink.frames.size() == 1);
  const auto ns = emitted_nd(sink.frames[0]);
  CHECK(ns.type == Icmpv6Type::neighbour_solicitation);
  CHECK(ns.src == kOurIp6);
  CHECK(ns.dst == kPeerIp6.solicited_node());
  CHECK(ns.eth_dst == multicast_mac_for(kPeerIp6.solicited_node()));
  CHECK(NeighbourSolicitation::parse(ns.body) == NeighbourSolicitation{kPeerIp6, kOurMac});
  CHECK(stack->held_frames() == 1);
  CHECK(stack->neighbours6().find(kPeerIp6)->state == NeighbourState::incomplete);

  feed(nd_frame(Icmpv6Type::neighbour_advertisement,
                na_body({.solicited = true, .override = true, .target = kPeerIp6, .target_mac = kPeerMac}), kPeerIp6,
                kOurIp6, kOurMac),
       t0 + 10ms);
  REQUIRE(sink.frames.size() == 2);
  const auto eth = EthernetView::parse(sink.frames[1].frame);
  CHECK(eth->dst() == kPeerMac);
  const auto reply = Ipv6View::parse(eth->payload());
  REQUIRE(reply);
  CHECK(Icmpv6View::parse(reply->payload(), reply->src(), reply->dst())->type() == Icmpv6Type::echo_reply);
  CHECK(stack->held_frames() == 0);
  CHECK(stack->neighbours6().find(kPeerIp6)->state == NeighbourState::reachable);
  CHECK(count(Counter::nd_held_sent) == 1);
}

TEST_CASE_METHOD(NdpFixture, "ndp: a neighbour that never answers gets mcast_solicit NSs, then its datagrams are dropped") {
  feed(eth6(ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, icmpv6_echo(7, 1, 32, kPeerIp6, kOurIp6))));
  for (int s = 1; s <= 3; ++s) stack->on_timer(t0 + std::chrono::seconds(s));
  CHECK(count(Counter::nd_solicitations_sent) == 3);
  CHECK(count(Counter::nd_resolution_failed) == 1);
  CHECK(count(Counter::nd_drop_unresolved) == 1);
  CHECK(stack->held_frames() == 0);
  CHECK(stack->neighbours6().find(kPeerIp6) == nullptr);
  CHECK(count(Counter::arp_resolution_failed) == 0);
}

TEST_CASE_METHOD(NdpFixture, "ndp: NUD probes a stale neighbour with a unicast NS to its known MAC") {
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac), kPeerIp6, kOurIp6, kOurMac));
  sink.frames.clear();
  // DELAY after the NA went out; no confirmation within delay_first_probe → PROBE.
  stack->on_timer(t0 + config.arp.delay_first_probe);
  REQUIRE(sink.frames.size() == 1);
  const auto ns = emitted_nd(sink.frames[0]);
  CHECK(ns.eth_dst == kPeerMac);
  CHECK(ns.dst == kPeerIp6);
  CHECK(ns.src == kOurLinkLocal);  // no datagram behind a probe: Linux's ipv6_get_lladdr
  CHECK(NeighbourSolicitation::parse(ns.body) == NeighbourSolicitation{kPeerIp6, kOurMac});
  CHECK(stack->neighbours6().find(kPeerIp6)->state == NeighbourState::probe);
}

TEST_CASE_METHOD(NdpFixture, "ndp: an NA follows RFC 4861 §7.2.5's override rules") {
  constexpr MacAddr kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac), kPeerIp6, kOurIp6, kOurMac));
  const auto na = [&](bool solicited, bool override, std::optional<MacAddr> mac) {
    feed(nd_frame(Icmpv6Type::neighbour_advertisement,
                  na_body({.solicited = solicited, .override = override, .target = kPeerIp6, .target_mac = mac}), kPeerIp6,
                  kOurIp6, kOurMac));
  };
  const auto peer = [&] { return *stack->neighbours6().find(kPeerIp6); };
  na(true, false, std::nullopt);
  CHECK(peer().state == NeighbourState::reachable);
  CHECK(peer().mac == kPeerMac);
  na(true, false, kOtherMac);  // another MAC without O: kept, and REACHABLE falls to STALE
  CHECK(peer().mac == kPeerMac);
  CHECK(peer().state == NeighbourState::stale);
  na(false, true, kOtherMac);  // with O: replaced, STALE (unsolicited)
  CHECK(peer().mac == kOtherMac);
  CHECK(peer().state == NeighbourState::stale);
  na(true, true, kOtherMac);
  CHECK(peer().state == NeighbourState::reachable);
}

// ---- DAD conflicts -----------------------------------------------------------------------------

TEST_CASE_METHOD(NdpFixture, "dad: a tentative address answers nothing and accepts nothing") {
  stack->announce(t0);
  sink.frames.clear();
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, kPeerMac), kPeerIp6, kOurIp6.solicited_node(),
                multicast_mac_for(kOurIp6.solicited_node())));
  feed(eth6(ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, icmpv6_echo(7, 1, 32, kPeerIp6, kOurIp6))));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::nd_drop_tentative) == 1);
  CHECK(stack->neighbours6().entries().empty());
}

TEST_CASE_METHOD(NdpFixture, "dad: another node's probe for our tentative address makes it duplicate, reported with its MAC") {
  stack->announce(t0);
  constexpr MacAddr kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};
  feed(nd_frame(Icmpv6Type::neighbour_solicitation, ns_body(kOurIp6, std::nullopt), Ipv6Addr::unspecified(),
                kOurIp6.solicited_node(), multicast_mac_for(kOurIp6.solicited_node()), kOtherMac));
  CHECK(state_of(kOurIp6) == Ipv6AddressState::duplicate);
  CHECK(count(Counter::nd_dad_duplicates) == 1);
  REQUIRE(conflicts.seen.size() == 1);
  CHECK(conflicts.seen[0] == std::pair{kOurIp6, kOtherMac});
  // The verdict stands: no announcement, and the link-local address still becomes preferred.
  sink.frames.clear();
  stack->on_timer(t0 + 1s);
  CHECK(state_of(kOurIp6) == Ipv6AddressState::duplicate);
  CHECK(state_of(kOurLinkLocal) == Ipv6AddressState::preferred);
  CHECK(count(Counter::nd_announcements_sent) == 1);
}

TEST_CASE_METHOD(NdpFixture, "dad: an NA for a tentative address makes it duplicate") {
  stack->announce(t0);
  constexpr MacAddr kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};
  feed(nd_frame(Icmpv6Type::neighbour_advertisement,
                na_body({.solicited = false, .override = true, .target = kOurIp6, .target_mac = kOtherMac}), kOurIp6,
                Ipv6Addr::all_nodes(), multicast_mac_for(Ipv6Addr::all_nodes()), kOtherMac));
  CHECK(state_of(kOurIp6) == Ipv6AddressState::duplicate);
  REQUIRE(conflicts.seen.size() == 1);
  CHECK(conflicts.seen[0] == std::pair{kOurIp6, kOtherMac});
}

TEST_CASE_METHOD(NdpFixture, "ndp: an NA claiming a preferred address of ours with another MAC is reported like the ARP conflict") {
  constexpr MacAddr kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};
  feed(nd_frame(Icmpv6Type::neighbour_advertisement,
                na_body({.solicited = false, .override = true, .target = kOurIp6, .target_mac = kOtherMac}), kPeerIp6,
                Ipv6Addr::all_nodes(), multicast_mac_for(Ipv6Addr::all_nodes()), kOtherMac));
  CHECK(state_of(kOurIp6) == Ipv6AddressState::preferred);
  CHECK(count(Counter::nd_conflicts) == 1);
  REQUIRE(conflicts.seen.size() == 1);
  CHECK(conflicts.seen[0] == std::pair{kOurIp6, kOtherMac});
  CHECK(sink.frames.empty());
}

TEST_CASE_METHOD(NdpFixture, "ndp: on a TUN an NS is answered without a link-layer option and nothing is learned") {
  config.mode = LinkMode::tun;
  rebuild();
  const Frame body = ns_body(kOurIp6, kPeerMac);
  Frame message(kNdpIcmpHeaderLen + body.size());
  std::copy(body.begin(), body.end(), message.begin() + kNdpIcmpHeaderLen);
  message[0] = static_cast<std::byte>(std::to_underlying(Icmpv6Type::neighbour_solicitation));
  fill_icmpv6_checksum(message, kPeerIp6, kOurIp6);
  feed(ipv6(kPeerIp6, kOurIp6, IpProtocol::icmpv6, message, {}, 255));
  REQUIRE(sink.frames.size() == 1);
  const auto ip = Ipv6View::parse(sink.frames[0].frame);
  REQUIRE(ip);
  const auto icmp = Icmpv6View::parse(ip->payload(), ip->src(), ip->dst());
  REQUIRE(icmp);
  CHECK(NeighbourAdvertisement::parse(icmp->message().subspan(kNdpIcmpHeaderLen)) ==
        NeighbourAdvertisement{.solicited = true, .override = false, .target = kOurIp6, .target_mac = std::nullopt});
  CHECK(stack->neighbours6().entries().empty());
}
