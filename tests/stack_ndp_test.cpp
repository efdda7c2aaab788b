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
