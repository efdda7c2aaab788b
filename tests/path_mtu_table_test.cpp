// The path MTU table alone: Linux's update rules (__ip_rt_update_pmtu), floor, expiry, bound.
#include "stack/path_mtu_table.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;

namespace {

constexpr Ipv4Addr kPeer = Ipv4Addr::from_octets(10, 0, 0, 1);
constexpr Ipv4Addr kOther = Ipv4Addr::from_octets(10, 0, 0, 3);
const Instant t0 = instant_from_ns(1'000'000'000'000);

struct TableFixture {
  PathMtuConfig config;
  Counters counters;
  PathMtuTable table{config, 1500, counters};
};

}  // namespace

TEST_CASE_METHOD(TableFixture, "pmtu table: a destination without an entry gets the link MTU") {
  CHECK(table.mtu_to(kPeer, t0) == 1500);
  CHECK(table.entries().empty());
  CHECK_FALSE(table.next_deadline());
}

TEST_CASE_METHOD(TableFixture, "pmtu table: a smaller MTU is learned for its destination only") {
  CHECK(table.learn(kPeer, 1000, t0) == PathMtuUpdate::learned);
  CHECK(table.mtu_to(kPeer, t0) == 1000);
  CHECK(table.mtu_to(kOther, t0) == 1500);
  CHECK(counters[Counter::pmtu_learned] == 1);
  REQUIRE(table.entries().size() == 1);
  CHECK_FALSE(table.entries()[0].locked);
  CHECK(table.next_deadline() == t0 + 600s);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: a report above the MTU in use is ignored (RFC 1191 §6.1)") {
  CHECK(table.learn(kPeer, 1600, t0) == PathMtuUpdate::ignored_larger);
  CHECK(table.entries().empty());
  table.learn(kPeer, 1000, t0);
  CHECK(table.learn(kPeer, 1200, t0) == PathMtuUpdate::ignored_larger);
  CHECK(table.mtu_to(kPeer, t0) == 1000);
  CHECK(table.learn(kPeer, 800, t0 + 1s) == PathMtuUpdate::learned);
  CHECK(table.mtu_to(kPeer, t0 + 1s) == 800);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: below min_pmtu the path gets 552, locked; 0 is no exception") {
  const std::uint16_t reported = GENERATE(as<std::uint16_t>{}, 0, 68, 300, 551);
  CHECK(table.learn(kPeer, reported, t0) == PathMtuUpdate::learned);
  CHECK(table.mtu_to(kPeer, t0) == 552);
  REQUIRE(table.entries().size() == 1);
  CHECK(table.entries()[0].locked);
  CHECK(counters[Counter::pmtu_floored] == 1);
  // Locked: later reports change nothing until it expires (ip_mtu_locked()).
  CHECK(table.learn(kPeer, 100, t0 + 1s) == PathMtuUpdate::ignored_locked);
  CHECK(table.entries()[0].expires == t0 + 600s);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: 552 itself is not floored, and a link below the floor keeps its own MTU") {
  CHECK(table.learn(kPeer, 552, t0) == PathMtuUpdate::learned);
  CHECK_FALSE(table.entries()[0].locked);
  Counters c;
  PathMtuTable small_link(config, 500, c);
  small_link.learn(kPeer, 300, t0);
  CHECK(small_link.mtu_to(kPeer, t0) == 500);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: an entry expires after mtu_expires, exactly at its instant") {
  table.learn(kPeer, 1000, t0);
  CHECK(table.mtu_to(kPeer, t0 + 600s - 1ms) == 1000);
  CHECK(table.mtu_to(kPeer, t0 + 600s) == 1500);
  table.expire(t0 + 600s - 1ms);
  CHECK(table.entries().size() == 1);
  table.expire(t0 + 600s);
  CHECK(table.entries().empty());
  CHECK(counters[Counter::pmtu_expired] == 1);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: mtu_expires is the knob") {
  config.mtu_expires = 30s;
  PathMtuTable short_lived(config, 1500, counters);
  short_lived.learn(kPeer, 1000, t0);
  CHECK(short_lived.mtu_to(kPeer, t0 + 29s) == 1000);
  CHECK(short_lived.mtu_to(kPeer, t0 + 30s) == 1500);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: after expiry a larger report counts against the link MTU again") {
  table.learn(kPeer, 1000, t0);
  CHECK(table.learn(kPeer, 1200, t0 + 600s) == PathMtuUpdate::learned);
  CHECK(table.mtu_to(kPeer, t0 + 600s) == 1200);
  CHECK(counters[Counter::pmtu_expired] == 1);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: the same MTU again refreshes only past half its lifetime") {
  table.learn(kPeer, 1000, t0);
  CHECK(table.learn(kPeer, 1000, t0 + 299s) == PathMtuUpdate::ignored_same);
  CHECK(table.entries()[0].expires == t0 + 600s);
  CHECK(table.learn(kPeer, 1000, t0 + 300s) == PathMtuUpdate::refreshed);
  CHECK(table.entries()[0].expires == t0 + 900s);
  CHECK(counters[Counter::pmtu_learned] == 1);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: bounded; a new destination evicts the entry updated longest ago") {
  config.max_entries = 3;
  PathMtuTable small(config, 1500, counters);
  for (std::uint8_t i = 1; i <= 3; ++i)
    small.learn(Ipv4Addr::from_octets(10, 0, 0, i), 1000, t0 + std::chrono::seconds(i));
  small.learn(Ipv4Addr::from_octets(10, 0, 0, 9), 900, t0 + 10s);
  CHECK(small.entries().size() == 3);
  CHECK(counters[Counter::pmtu_evicted] == 1);
  CHECK(small.mtu_to(Ipv4Addr::from_octets(10, 0, 0, 1), t0 + 10s) == 1500);  // the oldest, gone
  CHECK(small.mtu_to(Ipv4Addr::from_octets(10, 0, 0, 2), t0 + 10s) == 1000);
  CHECK(small.mtu_to(Ipv4Addr::from_octets(10, 0, 0, 9), t0 + 10s) == 900);
}

TEST_CASE_METHOD(TableFixture, "pmtu table: a full table reuses an expired slot before evicting a live one") {
  config.max_entries = 2;
  PathMtuTable small(config, 1500, counters);
  small.learn(Ipv4Addr::from_octets(10, 0, 0, 1), 1000, t0);
  small.learn(Ipv4Addr::from_octets(10, 0, 0, 2), 1000, t0 + 500s);
  small.learn(Ipv4Addr::from_octets(10, 0, 0, 3), 1000, t0 + 600s);
  CHECK(counters[Counter::pmtu_evicted] == 0);
  CHECK(counters[Counter::pmtu_expired] == 1);
  CHECK(small.mtu_to(Ipv4Addr::from_octets(10, 0, 0, 2), t0 + 600s) == 1000);
}
