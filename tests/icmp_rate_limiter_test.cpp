#include "stack/icmp_rate_limiter.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

const Instant kT0 = instant_from_ns(5'000'000'000);
const Ipv4Addr kA = Ipv4Addr::from_octets(10, 0, 0, 1);
const Ipv4Addr kB = Ipv4Addr::from_octets(10, 0, 0, 3);
const Ipv4Addr kC = Ipv4Addr::from_octets(10, 0, 0, 4);
constexpr auto kUnreach = IcmpType::dest_unreachable;
constexpr std::uint8_t kPort = static_cast<std::uint8_t>(UnreachableCode::port);

Ipv4Addr nth_host(unsigned i) { return Ipv4Addr{Ipv4Addr::from_octets(10, 1, 0, 0).value + i}; }

// How many of n messages sent at one instant get through.
unsigned burst(IcmpRateLimiter& l, IcmpType type, std::uint8_t code, Ipv4Addr dst, Instant at, unsigned n) {
  unsigned sent = 0;
  for (unsigned i = 0; i < n; ++i) sent += l.allow(type, code, dst, at) ? 1 : 0;
  return sent;
}

}  // namespace

TEST_CASE("icmp_rate_limiter: echo and timestamp replies are never limited with the default mask",
          "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  CHECK(burst(l, IcmpType::echo_reply, 0, kA, kT0, 10'000) == 10'000);
  CHECK(burst(l, IcmpType::timestamp_reply, 0, kA, kT0, 100) == 100);
  CHECK(l.global_credit() == 0);  // unlimited types do not touch the global bucket
}

TEST_CASE(
    "icmp_rate_limiter: the default mask limits unreachable, source quench, time exceeded and "
    "parameter problem",
    "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  for (auto t :
       {IcmpType::dest_unreachable, IcmpType::source_quench, IcmpType::time_exceeded, IcmpType::parameter_problem}) {
    CHECK(l.is_limited_type(t, 0));
  }
  for (auto t : {IcmpType::echo_reply, IcmpType::redirect, IcmpType::echo_request, IcmpType::timestamp_reply,
                 IcmpType::address_mask_reply}) {
    CHECK_FALSE(l.is_limited_type(t, 0));
  }
}

TEST_CASE("icmp_rate_limiter: fragmentation-needed and types above 18 are never limited", "[icmp_rate_limiter]") {
  IcmpConfig c;
  c.ratemask = 0xffffffff;
  IcmpRateLimiter l{c};
  CHECK_FALSE(l.is_limited_type(kUnreach, static_cast<std::uint8_t>(UnreachableCode::frag_needed)));
  CHECK(burst(l, kUnreach, static_cast<std::uint8_t>(UnreachableCode::frag_needed), kA, kT0, 100) == 100);
  CHECK_FALSE(l.is_limited_type(static_cast<IcmpType>(19), 0));
  CHECK_FALSE(l.is_limited_type(static_cast<IcmpType>(42), 0));
  CHECK(l.is_limited_type(kUnreach, kPort));
}

TEST_CASE("icmp_rate_limiter: setting the echo-reply bit in the mask limits echo replies too", "[icmp_rate_limiter]") {
  IcmpConfig c;
  c.ratemask = 0x1818 | 1;
  IcmpRateLimiter l{c};
  CHECK(burst(l, IcmpType::echo_reply, 0, kA, kT0, 100) == 6);
}

TEST_CASE("icmp_rate_limiter: a new destination gets a burst of 6, then one per icmp_ratelimit",
          "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  CHECK(burst(l, kUnreach, kPort, kA, kT0, 6) == 6);
  CHECK(l.check(kUnreach, kPort, kA, kT0) == IcmpRateVerdict::limited_peer);
  CHECK_FALSE(l.allow(kUnreach, kPort, kA, kT0 + 999ms));
  // The 999 ms above were credited: 1 ms more completes a token.
  CHECK(l.allow(kUnreach, kPort, kA, kT0 + 1000ms));
  CHECK_FALSE(l.allow(kUnreach, kPort, kA, kT0 + 1000ms));
  CHECK(l.allow(kUnreach, kPort, kA, kT0 + 2000ms));
  // Other destinations have their own bucket.
  CHECK(burst(l, kUnreach, kPort, kB, kT0 + 2000ms, 10) == 6);
}

TEST_CASE("icmp_rate_limiter: per-destination tokens accumulate up to six intervals", "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  CHECK(burst(l, kUnreach, kPort, kA, kT0, 6) == 6);
  CHECK(burst(l, kUnreach, kPort, kA, kT0 + 3500ms, 10) == 3);
  CHECK(burst(l, kUnreach, kPort, kA, kT0 + 1h, 10) == 6);
}

TEST_CASE("icmp_rate_limiter: icmp_ratelimit 0 disables the per-destination limit", "[icmp_rate_limiter]") {
  IcmpConfig c;
  c.ratelimit = 0ms;
  IcmpRateLimiter l{c};
  CHECK(burst(l, kUnreach, kPort, kA, kT0, 50) == 50);
  // ...but not the global one.
  CHECK(l.check(kUnreach, kPort, kA, kT0) == IcmpRateVerdict::limited_global);
}

TEST_CASE("icmp_rate_limiter: a long icmp_ratelimit gives a first burst of less than six", "[icmp_rate_limiter]") {
  // A new peer starts as last seen 60 s ago: with 20 s per message that is three messages.
  IcmpConfig c;
  c.ratelimit = 20s;
  IcmpRateLimiter l{c};
  CHECK(burst(l, kUnreach, kPort, kA, kT0, 10) == 3);
}

TEST_CASE("icmp_rate_limiter: the global bucket allows icmp_msgs_burst at once across destinations",
          "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  for (unsigned i = 0; i < 50; ++i) REQUIRE(l.allow(kUnreach, kPort, nth_host(i), kT0));
  CHECK(l.check(kUnreach, kPort, nth_host(50), kT0) == IcmpRateVerdict::limited_global);
}

TEST_CASE("icmp_rate_limiter: an empty global bucket refills only after 20 ms, by rate x elapsed",
          "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  unsigned host = 0;
  for (; host < 50; ++host) REQUIRE(l.allow(kUnreach, kPort, nth_host(host), kT0));
  CHECK_FALSE(l.allow(kUnreach, kPort, nth_host(host), kT0 + 19ms));
  // 1000/s * 20 ms = 20 credits, counted from the last refill (kT0).
  unsigned sent = 0;
  for (unsigned i = 0; i < 40; ++i) sent += l.allow(kUnreach, kPort, nth_host(host++), kT0 + 20ms) ? 1 : 0;
  CHECK(sent == 20);
}

TEST_CASE("icmp_rate_limiter: a refill after a long pause is capped at the burst", "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}};
  unsigned host = 0;
  for (; host < 50; ++host) REQUIRE(l.allow(kUnreach, kPort, nth_host(host), kT0));
  unsigned sent = 0;
  for (unsigned i = 0; i < 200; ++i) sent += l.allow(kUnreach, kPort, nth_host(host++), kT0 + 1h) ? 1 : 0;
  CHECK(sent == 50);
}

TEST_CASE("icmp_rate_limiter: messages refused per destination do not spend global credit", "[icmp_rate_limiter]") {
  // Linux >= 6.12: icmp_global_consume() only after inet_peer_xrlim_allow() said yes.
  IcmpRateLimiter l{IcmpConfig{}};
  CHECK(burst(l, kUnreach, kPort, kA, kT0, 16) == 6);
  CHECK(l.global_credit() == 44);
  unsigned sent = 0;
  for (unsigned i = 0; i < 60; ++i) sent += l.allow(kUnreach, kPort, nth_host(i), kT0) ? 1 : 0;
  CHECK(sent == 44);
}

TEST_CASE("icmp_rate_limiter: icmp_msgs_per_sec 0 lets no limited message through", "[icmp_rate_limiter]") {
  IcmpConfig c;
  c.global_rate_per_sec = 0;
  IcmpRateLimiter l{c};
  CHECK(l.check(kUnreach, kPort, kA, kT0) == IcmpRateVerdict::limited_global);
  CHECK(l.allow(IcmpType::echo_reply, 0, kA, kT0));
}

TEST_CASE("icmp_rate_limiter: the destination table is bounded and forgets the least recently used",
          "[icmp_rate_limiter]") {
  IcmpRateLimiter l{IcmpConfig{}, 2};
  CHECK(burst(l, kUnreach, kPort, kA, kT0, 6) == 6);
  CHECK(burst(l, kUnreach, kPort, kB, kT0, 6) == 6);
  CHECK_FALSE(l.allow(kUnreach, kPort, kA, kT0 + 1ms));     // A is now the most recent
  CHECK(burst(l, kUnreach, kPort, kC, kT0 + 1ms, 6) == 6);  // evicts B
  CHECK(l.peers() == 2);
  CHECK_FALSE(l.allow(kUnreach, kPort, kA, kT0 + 2ms));  // A remembered
  // B comes back as new, with a full burst (were it remembered, it would have none).
  CHECK(burst(l, kUnreach, kPort, kB, kT0 + 30ms, 10) == 6);
}
