#include "stack/wire/addr.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;

TEST_CASE("addr: a MAC round-trips through text, with either separator") {
  const auto mac = MacAddr::parse("02:00:0A:00:00:02");
  REQUIRE(mac);
  CHECK(mac->to_string() == "02:00:0a:00:00:02");
  CHECK(MacAddr::parse("02-00-0a-00-00-02") == mac);
}

TEST_CASE("addr: malformed MACs are rejected") {
  for (const char* bad : {"", "02:00:0a:00:00", "02:00:0a:00:00:02:", "02:00:0a:00:00:0g", "0200:0a:00:00:02x",
                          "02:00:0a:00:00:002"}) {
    INFO(bad);
    CHECK_FALSE(MacAddr::parse(bad));
  }
}

TEST_CASE("addr: MAC group bit classifies broadcast and multicast") {
  CHECK(MacAddr::broadcast().is_broadcast());
  CHECK(MacAddr::broadcast().is_group());
  CHECK_FALSE(MacAddr::broadcast().is_multicast());
  CHECK(MacAddr{{0x01, 0x00, 0x5e, 0, 0, 1}}.is_multicast());
  CHECK_FALSE(MacAddr{{0x02, 0, 0, 0, 0, 2}}.is_group());
}

TEST_CASE("addr: IPv4 dotted quads parse strictly") {
  CHECK(Ipv4Addr::parse("10.0.0.2") == Ipv4Addr::from_octets(10, 0, 0, 2));
  CHECK(Ipv4Addr::parse("255.255.255.255")->is_limited_broadcast());
  for (const char* bad : {"", "10.0.0", "10.0.0.2.", "10.0.0.256", "10..0.2", "a.b.c.d", "10.0.0.2/24", " 10.0.0.2",
                          "1000.0.0.2"}) {
    INFO(bad);
    CHECK_FALSE(Ipv4Addr::parse(bad));
  }
}

TEST_CASE("addr: an interface knows its subnet and broadcasts") {
  const auto iface = Ipv4Interface::parse("10.0.0.2/24");
  REQUIRE(iface);
  CHECK(iface->network() == Ipv4Addr::from_octets(10, 0, 0, 0));
  CHECK(iface->subnet_broadcast() == Ipv4Addr::from_octets(10, 0, 0, 255));
  CHECK(iface->is_broadcast(Ipv4Addr::limited_broadcast()));
  CHECK(iface->contains(Ipv4Addr::from_octets(10, 0, 0, 1)));
  CHECK_FALSE(iface->contains(Ipv4Addr::from_octets(10, 0, 1, 1)));
  CHECK(Ipv4Interface::parse("10.0.0.2")->prefix_len == 24);
  CHECK_FALSE(Ipv4Interface::parse("10.0.0.2/33"));
  CHECK_FALSE(Ipv4Interface::parse("10.0.0.2/"));
  CHECK_FALSE(Ipv4Interface::parse("10.0.0.2/31")->subnet_broadcast());
}

TEST_CASE("addr: special IPv4 ranges are classified") {
  CHECK(Ipv4Addr::from_octets(224, 0, 0, 1).is_multicast());
  CHECK(Ipv4Addr::from_octets(127, 0, 0, 1).is_loopback());
  CHECK(Ipv4Addr::from_octets(0, 1, 2, 3).is_zeronet());
  CHECK(Ipv4Addr::from_octets(240, 0, 0, 1).is_reserved());
  CHECK_FALSE(Ipv4Addr::from_octets(10, 0, 0, 1).is_multicast());
}
