// Stack::next_deadline() is a cached value (stack/timer_watch.hpp) that may err early, never
// late. These tests drive a Stack through thousands of random steps — frames of every kind that
// sets a timer, on_timer, time advancing — and check the cache against a fresh walk over every
// timer source after each one, and that a loop waking on the cache sends, byte for byte and at
// the same instants, what a loop waking on the exact deadline sends.
#include "stack/stack.hpp"
#include "stack/wire/ipv6_fragment.hpp"
#include "stack/wire/ndp.hpp"

#include "ipv6_frames.hpp"
#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <string>

using namespace tapstack;
using namespace tapstack::test;

namespace {

constexpr std::size_t kPeers = 6;

MacAddr peer_mac(std::size_t i) { return MacAddr{{0x02, 0, 0, 0, 0x01, static_cast<std::uint8_t>(i + 1)}}; }
Ipv4Addr peer_ip(std::size_t i) { return Ipv4Addr::from_octets(10, 0, 0, static_cast<std::uint8_t>(i == 1 ? 10 : i + 1)); }
Ipv6Addr peer_ip6(std::size_t i) {
  Ipv6Addr a = kOurIp6;
  a.octets[15] = static_cast<std::uint8_t>(0x10 + i);
  return a;
}

// The ICMP echo of `ping -s 3000`, cut as the sender's IP layer cuts it: piece 0, 1 or 2.
Frame ipv4_fragment(std::size_t peer, std::uint16_t ident, std::size_t piece) {
  const Frame icmp = icmp_echo(0x1c, 1, 3000);
  const std::size_t off = piece * 1480;
  const std::size_t len = std::min<std::size_t>(1480, icmp.size() - off);
  const bool more = off + len < icmp.size();
  const Frame data(icmp.begin() + static_cast<std::ptrdiff_t>(off), icmp.begin() + static_cast<std::ptrdiff_t>(off + len));
  const auto flags = static_cast<std::uint16_t>((more ? kIpv4FlagMoreFragments : 0) | (off / 8));
  return ethernet(kOurMac, peer_mac(peer),
                  EtherType::ipv4, ipv4(peer_ip(peer), kOurIp, IpProtocol::icmp, data, 0, ident, flags));
}

// An ICMPv6 echo of 2000 bytes in two fragments: piece 0 or 1.
Frame ipv6_fragment(std::size_t peer, std::uint32_t ident, std::size_t piece) {
  const Frame icmp = icmpv6_echo(0x1c, 1, 2000, peer_ip6(peer), kOurIp6);
  const std::size_t off = piece * 1232;
  const std::size_t len = std::min<std::size_t>(1232, icmp.size() - off);
  Frame header(6);
  Frame whole_header(8);
  Ipv6FragmentRepr{IpProtocol::icmpv6, off, off + len < icmp.size(), ident}.emit(whole_header);
  std::copy(whole_header.begin() + 2, whole_header.end(), header.begin());
  const Frame data(icmp.begin() + static_cast<std::ptrdiff_t>(off), icmp.begin() + static_cast<std::ptrdiff_t>(off + len));
  return eth6(ipv6(peer_ip6(peer), kOurIp6, IpProtocol::icmpv6, data, {ExtHeader{IpProtocol::fragment, header}}),
              kOurMac, peer_mac(peer));
}

// "Fragmentation needed" from a router, quoting an echo reply of ours to the peer.
Frame frag_needed(std::size_t peer, std::uint16_t mtu) {
  Frame quote = ipv4(kOurIp, peer_ip(peer), IpProtocol::icmp, icmp_echo(0x1c, 1, 1400, IcmpType::echo_reply), 0, 0x5a5a, 0);
  quote.resize(28);
  Frame m(kIcmpHeaderLen + quote.size());
  IcmpRepr{.type = IcmpType::dest_unreachable, .code = 4, .rest = mtu}.emit(m);
  std::copy(quote.begin(), quote.end(), m.begin() + kIcmpHeaderLen);
  store_be16(m, icmp_field::checksum, internet_checksum(m));
  return ethernet(kOurMac, peer_mac(peer), EtherType::ipv4, ipv4(peer_ip(peer), kOurIp, IpProtocol::icmp, m, 0, 0x99, 0));
}

Frame nd_frame(Icmpv6Type type, const Frame& body, const Ipv6Addr& src, const Ipv6Addr& dst, MacAddr eth_dst,
               MacAddr eth_src) {
  Frame message(kNdpIcmpHeaderLen + body.size());
  std::copy(body.begin(), body.end(), message.begin() + kNdpIcmpHeaderLen);
  message[0] = static_cast<std::byte>(std::to_underlying(type));
  fill_icmpv6_checksum(message, src, dst);
  return eth6(ipv6(src, dst, IpProtocol::icmpv6, message, {}, 255), eth_dst, eth_src);
}

Frame solicitation(const Ipv6Addr& src, const Ipv6Addr& target, std::optional<MacAddr> slla, MacAddr eth_src) {
  const NeighbourSolicitation ns{target, slla};
  Frame body(ns.body_len());
  ns.emit(body);
  const Ipv6Addr group = target.solicited_node();
  return nd_frame(Icmpv6Type::neighbour_solicitation, body, src, group, multicast_mac_for(group), eth_src);
}

Frame advertisement(std::size_t peer, bool solicited) {
  const NeighbourAdvertisement na{.solicited = solicited, .override = true, .target = peer_ip6(peer),
                                  .target_mac = peer_mac(peer)};
  Frame body(na.body_len());
  na.emit(body);
  return nd_frame(Icmpv6Type::neighbour_advertisement, body, peer_ip6(peer), kOurIp6, kOurMac, peer_mac(peer));
}

// A random frame of a kind that starts, moves or ends a timer somewhere in the stack.
Frame random_frame(std::mt19937& rng) {
  const auto pick = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const std::size_t peer = pick(kPeers);
  switch (pick(12)) {
    case 0:  // learned STALE
      return ethernet(MacAddr::broadcast(), peer_mac(peer), EtherType::arp,
                      arp(ArpOp::request, peer_mac(peer), peer_ip(peer), MacAddr::zero(), kOurIp));
    case 1:  // REACHABLE, or releases what waited on it
      return ethernet(kOurMac, peer_mac(peer), EtherType::arp,
                      arp(ArpOp::reply, peer_mac(peer), peer_ip(peer), kOurMac, kOurIp));
    case 2:
    case 3:  // resolution (INCOMPLETE, held), STALE → DELAY, or a reply to a known peer
      return ethernet(kOurMac, peer_mac(peer), EtherType::ipv4,
                      ipv4(peer_ip(peer), kOurIp, IpProtocol::icmp, icmp_echo(0x1c, static_cast<std::uint16_t>(pick(100)), 56)));
    case 4:  // a reassembly timeout starts, restarts ("too far" needs more), or ends
      return ipv4_fragment(peer, static_cast<std::uint16_t>(pick(4)), pick(3));
    case 5:  // a path MTU learned, refreshed or ignored
      return frag_needed(peer, static_cast<std::uint16_t>(552 + pick(900)));
    case 6:  // NDP: learned from a solicitation (and answered)
      return solicitation(peer_ip6(peer), kOurIp6, peer_mac(peer), peer_mac(peer));
    case 7:  // NDP: solicited (REACHABLE) or not
      return advertisement(peer, pick(2) == 0);
    case 8:  // NDP resolution, or a reply to a known peer
      return eth6(ipv6(peer_ip6(peer), kOurIp6, IpProtocol::icmpv6, icmpv6_echo(0x1c, 1, 56, peer_ip6(peer), kOurIp6)),
                  kOurMac, peer_mac(peer));
    case 9:
      return ipv6_fragment(peer, static_cast<std::uint32_t>(pick(3)), pick(2));
    case 10:  // someone else's DAD probe for our address: a tentative one fails
      return solicitation(Ipv6Addr::unspecified(), pick(2) == 0 ? kOurIp6 : link_local_from_mac(kOurMac), std::nullopt,
                          peer_mac(peer));
    default:  // an ARP conflict: our address from another MAC (defended with announce_arp)
      return ethernet(MacAddr::broadcast(), peer_mac(peer), EtherType::arp,
                      arp(ArpOp::request, peer_mac(peer), kOurIp, MacAddr::zero(), kOurIp));
  }
}

Duration random_advance(std::mt19937& rng) {
  const auto ms = [&rng](std::int64_t hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, hi)(rng));
  };
  switch (std::uniform_int_distribution<int>(0, 19)(rng)) {
    case 0:
      return ms(120'000);  // past reassembly timeouts, gc_stale_time
    case 1:
    case 2:
    case 3:
    case 4:
      return ms(6'000);  // past DELAY and a few retransmissions
    default:
      return ms(400);
  }
}

StackConfig random_config(std::mt19937& rng) {
  StackConfig c = test_config();
  c.ipv6.addresses = {Ipv6Interface{kOurIp6, 64}};
  c.ipv6.dad_transmits = std::uniform_int_distribution<unsigned>(0, 3)(rng);
  c.arp.max_entries = std::uniform_int_distribution<std::size_t>(2, kPeers + 1)(rng);  // evictions too
  c.reassembly.max_bytes = 2 * FragmentQueues::kSlotBytes;                             // and there
  c.pmtu.max_entries = 3;
  return c;
}

// What a loop does between frames (as replay's run_timers_until): on_timer at each deadline up
// to until, in order, with the deadline asked through `deadline`.
template <class Deadline>
void run_timers_until(Stack& stack, Instant until, Deadline deadline) {
  for (int guard = 0; guard < 1000; ++guard) {
    const auto due = deadline(stack);
    if (!due || *due > until) return;
    stack.on_timer(*due);
  }
  FAIL("the timers kept rearming");
}

std::string at(std::uint32_t seed, int step) { return "seed " + std::to_string(seed) + ", step " + std::to_string(step); }

}  // namespace

TEST_CASE("timer watch: next_deadline() is never later than every source's earliest deadline, and exact after on_timer",
          "[timers]") {
  std::array<std::uint64_t, kCounterCount> seen{};
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    std::mt19937 rng(seed);
    CapturingSink sink;
    Stack stack(random_config(rng), sink);
    Instant now = instant_from_ns(1'700'000'000'000'000'000);
    const auto check_never_late = [&](int step) {
      const auto exact = stack.exact_next_deadline();
      const auto cached = stack.next_deadline();
      if (exact && !(cached && *cached <= *exact)) FAIL_CHECK(at(seed, step) << ": next_deadline() is later than a timer");
    };
    int timed = 0;  // steps that ended with a timer set: the test must have exercised some
    for (int step = 0; step < 3000; ++step) {
      const auto kind = std::uniform_int_distribution<int>(0, 9)(rng);
      if (kind == 0) {
        now += random_advance(rng);
      } else if (kind == 1) {
        stack.on_timer(now);
        if (stack.next_deadline() != stack.exact_next_deadline())
          FAIL_CHECK(at(seed, step) << ": on_timer() left next_deadline() other than the sources' earliest");
      } else if (kind == 2 && step % 7 == 0) {
        stack.announce(now);  // DAD once; later calls send only the gratuitous ARP
      } else {
        stack.on_frame(random_frame(rng), now);
      }
      check_never_late(step);
      if (stack.exact_next_deadline()) ++timed;
    }
    CHECK(timed > 1000);
    // A lost timer shows when time runs out: every retry, timeout and DAD verdict then happened.
    for (int guard = 0; guard < 1000 && stack.next_deadline(); ++guard) stack.on_timer(*stack.next_deadline());
    CHECK_FALSE(stack.exact_next_deadline());
    for (const OwnedIpv6Address& owned : stack.ipv6_addresses()) CHECK(owned.state != Ipv6AddressState::tentative);
    CHECK(stack.held_frames() == 0);
    CHECK(stack.incomplete_datagrams() == 0);
    for (std::size_t i = 0; i < kCounterCount; ++i) seen[i] += stack.counters()[static_cast<Counter>(i)];
  }
  // Every timer source was driven (in some seeds a lost DAD ends IPv6 early): ARP retries,
  // reassembly in both families, path MTUs, NDP, DAD's end either way.
  for (const Counter c : {Counter::arp_requests_sent, Counter::ip_frag_drop_timeout, Counter::ip6_frag_drop_timeout,
                          Counter::pmtu_learned, Counter::pmtu_expired, Counter::nd_cache_learned,
                          Counter::nd_cache_expired, Counter::nd_announcements_sent, Counter::nd_dad_duplicates}) {
    INFO(kCounterInfo[static_cast<std::size_t>(c)].name);
    CHECK(seen[static_cast<std::size_t>(c)] > 0);
  }
}

TEST_CASE("timer watch: a loop woken by next_deadline() sends what a loop woken by the exact deadline sends", "[timers]") {
  for (std::uint32_t seed = 101; seed <= 106; ++seed) {
    std::mt19937 rng(seed);
    const StackConfig config = random_config(rng);
    CapturingSink cached_out;
    CapturingSink exact_out;
    Stack cached(config, cached_out);
    Stack exact(config, exact_out);
    Instant now = instant_from_ns(1'700'000'000'000'000'000);
    const auto by_cache = [](const Stack& s) { return s.next_deadline(); };
    const auto by_walk = [](const Stack& s) { return s.exact_next_deadline(); };
    for (int step = 0; step < 3000; ++step) {
      const auto kind = std::uniform_int_distribution<int>(0, 9)(rng);
      if (kind == 0) {
        now += random_advance(rng);
        continue;
      }
      run_timers_until(cached, now, by_cache);
      run_timers_until(exact, now, by_walk);
      if (kind == 1 && step % 5 == 0) {
        cached.announce(now);
        exact.announce(now);
      } else {
        const Frame frame = random_frame(rng);
        cached.on_frame(frame, now);
        exact.on_frame(frame, now);
      }
    }
    now += std::chrono::hours(1);
    run_timers_until(cached, now, by_cache);
    run_timers_until(exact, now, by_walk);

    REQUIRE(cached_out.frames.size() == exact_out.frames.size());
    for (std::size_t i = 0; i < exact_out.frames.size(); ++i) {
      INFO("seed " << seed << ", frame " << i);
      CHECK(cached_out.frames[i].at == exact_out.frames[i].at);
      CHECK(cached_out.frames[i].frame == exact_out.frames[i].frame);
    }
    for (std::size_t i = 0; i < kCounterCount; ++i) {
      INFO("seed " << seed << ", counter " << kCounterInfo[i].name);
      CHECK(cached.counters()[static_cast<Counter>(i)] == exact.counters()[static_cast<Counter>(i)]);
    }
  }
}
