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

TEST_CASE("addr: IPv6 parses RFC 4291 text and prints RFC 5952 text") {
  const auto round_trip = [](std::string_view in) {
    const auto a = Ipv6Addr::parse(in);
    REQUIRE(a);
    return a->to_string();
  };
  CHECK(round_trip("::") == "::");
  CHECK(round_trip("::1") == "::1");
  CHECK(round_trip("fe80::ff:fe00:2") == "fe80::ff:fe00:2");
  CHECK(round_trip("FD00:0:0:0:0:0:0:2") == "fd00::2");
  CHECK(round_trip("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");  // the first longest run
  CHECK(round_trip("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");  // one zero group stays
  CHECK(round_trip("::ffff:10.0.0.2") == "::ffff:a00:2");
  CHECK(round_trip("1::") == "1::");
  for (const char* bad : {"", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::",
                          "g::1", "1::2:", ":1::2", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "fe80::1%eth0"})
    CHECK_FALSE(Ipv6Addr::parse(bad));
}

TEST_CASE("addr: IPv6 derived addresses: link-local EUI-64, solicited-node, multicast MAC") {
  const MacAddr mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
  const Ipv6Addr ll = link_local_from_mac(mac);
  CHECK(ll.to_string() == "fe80::ff:fe00:2");
  CHECK(ll.is_link_local());
  const Ipv6Addr group = Ipv6Addr::parse("fd00::1234:5678")->solicited_node();
  CHECK(group.to_string() == "ff02::1:ff34:5678");
  CHECK(group.is_solicited_node());
  CHECK(group.is_multicast());
  CHECK(group.multicast_scope() == 2);
  CHECK(multicast_mac_for(group) == MacAddr{{0x33, 0x33, 0xff, 0x34, 0x56, 0x78}});
  const auto net = Ipv6Interface::parse("fd00::2/64");
  REQUIRE(net);
  CHECK(net->contains(*Ipv6Addr::parse("fd00::ffff:1")));
  CHECK_FALSE(net->contains(*Ipv6Addr::parse("fd01::1")));
  CHECK(Ipv6Interface::parse("fd00::2")->prefix_len == 64);
  CHECK_FALSE(Ipv6Interface::parse("fd00::2/129"));
}
