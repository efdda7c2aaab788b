#include "stack/neighbour_cache.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tapstack;
using namespace tapstack::test;

namespace {

struct CacheFixture {
  NeighbourConfig config;
  Counters counters;
  NeighbourCache cache{config, counters};
  std::vector<NeighbourAction> actions;
  Instant t0 = instant_from_ns(1'000'000'000);

  auto recorder() {
    return [this](const NeighbourAction& a) { actions.push_back(a); };
  }
  std::optional<MacAddr> resolve(Ipv4Addr ip, Instant now) { return cache.resolve(ip, now, recorder()); }
  void learn(Ipv4Addr ip, MacAddr mac, NeighbourCache::Update how, Instant now) {
    cache.learn(ip, mac, how, now, recorder());
  }
  void tick(Instant now) { cache.on_timer(now, recorder()); }
  NeighbourState state(Ipv4Addr ip) const { return cache.find(ip)->state; }
};

constexpr MacAddr kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};

}  // namespace

TEST_CASE_METHOD(CacheFixture, "neighbour: an unknown address starts resolution with one broadcast request") {
  CHECK_FALSE(resolve(kPeerIp, t0));
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].kind == NeighbourAction::Kind::solicit_broadcast);
  CHECK(state(kPeerIp) == NeighbourState::incomplete);
  // A second frame while resolving is held without another request.
  CHECK_FALSE(resolve(kPeerIp, t0 + 10ms));
  CHECK(actions.size() == 1);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: a reply resolves the entry and releases held frames") {
  resolve(kPeerIp, t0);
  learn(kPeerIp, kPeerMac, {.reachable = true}, t0 + 1ms);
  REQUIRE(actions.size() == 2);
  CHECK(actions[1].kind == NeighbourAction::Kind::release_held);
  CHECK(actions[1].mac == kPeerMac);
  CHECK(state(kPeerIp) == NeighbourState::reachable);
  CHECK(resolve(kPeerIp, t0 + 2ms) == kPeerMac);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: resolution retries mcast_solicit times then fails and drops held frames") {
  resolve(kPeerIp, t0);
  tick(t0 + 1s);
  tick(t0 + 2s);
  CHECK(actions.size() == 3);
  tick(t0 + 3s);
  REQUIRE(actions.size() == 4);
  CHECK(actions[3].kind == NeighbourAction::Kind::drop_held);
  CHECK(cache.find(kPeerIp) == nullptr);
  CHECK(counters[Counter::arp_resolution_failed] == 1);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: learning a new host asks for nothing: no frames can wait for it") {
  learn(kPeerIp, kPeerMac, {.create = true}, t0);
  CHECK(actions.empty());
  CHECK(state(kPeerIp) == NeighbourState::stale);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: unsolicited ARP for an unknown host is not learned (arp_accept=0)") {
  learn(kPeerIp, kPeerMac, {.reachable = true, .create = false}, t0);
  CHECK(cache.find(kPeerIp) == nullptr);
  learn(kPeerIp, kPeerMac, {.reachable = false, .create = true}, t0);
  REQUIRE(cache.find(kPeerIp) != nullptr);
  CHECK(state(kPeerIp) == NeighbourState::stale);
  CHECK(counters[Counter::arp_cache_learned] == 1);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: a different MAC within locktime does not override, after it does") {
  learn(kPeerIp, kPeerMac, {.create = true}, t0);
  learn(kPeerIp, kOtherMac, {}, t0 + 500ms);
  CHECK(cache.find(kPeerIp)->mac == kPeerMac);
  learn(kPeerIp, kOtherMac, {.force = true}, t0 + 600ms);  // gratuitous ARP bypasses locktime
  CHECK(cache.find(kPeerIp)->mac == kOtherMac);
  learn(kPeerIp, kPeerMac, {}, t0 + 2s);
  CHECK(cache.find(kPeerIp)->mac == kPeerMac);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: using a stale entry delays, then probes by unicast, then fails") {
  learn(kPeerIp, kPeerMac, {.create = true}, t0);
  CHECK(resolve(kPeerIp, t0 + 1s) == kPeerMac);
  CHECK(state(kPeerIp) == NeighbourState::delay);
  tick(t0 + 6s);
  CHECK(state(kPeerIp) == NeighbourState::probe);
  REQUIRE(actions.size() == 1);  // the probe: learning a new entry releases nothing
  CHECK(actions[0].kind == NeighbourAction::Kind::solicit_unicast);
  CHECK(actions[0].mac == kPeerMac);
  tick(t0 + 7s);
  tick(t0 + 8s);
  tick(t0 + 9s);
  CHECK(cache.find(kPeerIp) == nullptr);
  CHECK(actions.back().kind == NeighbourAction::Kind::drop_held);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: a unicast reply during probing makes the entry reachable again") {
  learn(kPeerIp, kPeerMac, {.create = true}, t0);
  resolve(kPeerIp, t0);
  tick(t0 + 5s);
  learn(kPeerIp, kPeerMac, {.reachable = true}, t0 + 5100ms);
  CHECK(state(kPeerIp) == NeighbourState::reachable);
  CHECK(cache.next_deadline() == t0 + 5100ms + config.reachable_time);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: a request does not demote a reachable entry with the same MAC") {
  learn(kPeerIp, kPeerMac, {.create = true}, t0);
  learn(kPeerIp, kPeerMac, {.reachable = true}, t0 + 1ms);
  learn(kPeerIp, kPeerMac, {.create = true}, t0 + 2ms);
  CHECK(state(kPeerIp) == NeighbourState::reachable);
}

TEST_CASE_METHOD(CacheFixture, "neighbour: reachable turns stale after reachable_time, stale expires after gc_stale_time") {
  learn(kPeerIp, kPeerMac, {.create = true}, t0);
  learn(kPeerIp, kPeerMac, {.reachable = true}, t0);
  tick(t0 + 30s);
  CHECK(state(kPeerIp) == NeighbourState::stale);
  tick(t0 + 89s);
  CHECK(cache.find(kPeerIp) != nullptr);
  tick(t0 + 90s);
  CHECK(cache.find(kPeerIp) == nullptr);
  CHECK(counters[Counter::arp_cache_expired] == 1);
}

TEST_CASE("neighbour: the table never grows past its bound; the oldest settled entry goes first") {
  NeighbourConfig config;
  config.max_entries = 4;
  Counters counters;
  NeighbourCache cache(config, counters);
  const auto nop = [](const NeighbourAction&) {};
  const Instant t0{};
  for (std::uint8_t i = 1; i <= 10; ++i)
    cache.learn(Ipv4Addr::from_octets(10, 0, 0, i), kPeerMac, {.create = true}, t0 + std::chrono::seconds(i), nop);
  CHECK(cache.entries().size() == 4);
  CHECK(counters[Counter::arp_cache_evicted] == 6);
  CHECK(cache.find(Ipv4Addr::from_octets(10, 0, 0, 10)) != nullptr);
  CHECK(cache.find(Ipv4Addr::from_octets(10, 0, 0, 6)) == nullptr);
}

TEST_CASE("neighbour: entries still resolving are never evicted; a full table of them refuses more") {
  NeighbourConfig config;
  config.max_entries = 2;
  Counters counters;
  NeighbourCache cache(config, counters);
  const auto nop = [](const NeighbourAction&) {};
  cache.resolve(Ipv4Addr::from_octets(10, 0, 0, 1), Instant{}, nop);
  cache.resolve(Ipv4Addr::from_octets(10, 0, 0, 3), Instant{}, nop);
  CHECK_FALSE(cache.resolve(Ipv4Addr::from_octets(10, 0, 0, 4), Instant{}, nop));
  CHECK(cache.find(Ipv4Addr::from_octets(10, 0, 0, 4)) == nullptr);
  CHECK(cache.entries().size() == 2);
}

TEST_CASE("neighbour: the index and the deadline heap agree with the entries through churn") {
  // Lookups go through a hash index and next_deadline() through a heap; both must say what a
  // scan of entries() says, while entries are learned, resolved, evicted and expired.
  NeighbourConfig config;
  config.max_entries = 64;
  Counters counters;
  NeighbourCache cache(config, counters);
  const auto nop = [](const NeighbourAction&) {};
  const auto agrees = [&] {
    std::optional<Instant> earliest;
    for (const auto& n : cache.entries()) {
      if (cache.find(n.ip) != &n) return false;
      if (!earliest || n.deadline < *earliest) earliest = n.deadline;
    }
    return cache.next_deadline() == earliest;
  };
  Instant now{};
  std::uint32_t lcg = 12345;
  const auto random = [&] { return (lcg = lcg * 1664525u + 1013904223u) >> 16; };
  for (int step = 0; step < 5000; ++step) {
    now += std::chrono::milliseconds(random() % 90);
    const Ipv4Addr ip{0x0a000000u + random() % 600};
    switch (random() % 4) {
      case 0: cache.resolve(ip, now, nop); break;
      case 1: cache.learn(ip, kPeerMac, {.reachable = true}, now, nop); break;
      case 2: cache.learn(ip, kPeerMac, {.create = true}, now, nop); break;
      default: cache.on_timer(now, nop); break;
    }
    REQUIRE(cache.entries().size() <= config.max_entries);
    REQUIRE(agrees());
  }
  CHECK(counters[Counter::arp_cache_evicted] > 0);
  CHECK(counters[Counter::arp_cache_expired] + counters[Counter::arp_resolution_failed] > 0);
}
