#include "describe/addr_format.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

using namespace tapstack;

TEST_CASE("addr_format: MACs, addresses and interfaces print as ip(8) and tcpdump do") {
  const MacAddr mac{{0x02, 0x00, 0x0a, 0xbc, 0x00, 0xff}};
  CHECK(fmt::format("{}", mac) == "02:00:0a:bc:00:ff");
  CHECK(fmt::format("{}", MacAddr::broadcast()) == "ff:ff:ff:ff:ff:ff");
  CHECK(fmt::format("{}", Ipv4Addr::from_octets(10, 0, 0, 2)) == "10.0.0.2");
  CHECK(fmt::format("{}", Ipv4Addr::limited_broadcast()) == "255.255.255.255");
  CHECK(fmt::format("{}", Ipv4Interface{Ipv4Addr::from_octets(192, 168, 1, 1), 16}) == "192.168.1.1/16");
}

TEST_CASE("addr_format: the formatters agree with to_string") {
  const MacAddr mac{{0xde, 0xad, 0xbe, 0xef, 0x01, 0x23}};
  const auto ip = Ipv4Addr::from_octets(172, 16, 254, 9);
  const Ipv4Interface iface{ip, 31};
  CHECK(fmt::format("{}", mac) == mac.to_string());
  CHECK(fmt::format("{}", ip) == ip.to_string());
  CHECK(fmt::format("{}", iface) == iface.to_string());
}

TEST_CASE("addr_format: width and alignment apply to the whole address") {
  CHECK(fmt::format("[{:>10}]", Ipv4Addr::from_octets(10, 0, 0, 1)) == "[  10.0.0.1]");
  CHECK(fmt::format("[{:<12}]", Ipv4Addr::from_octets(10, 0, 0, 1)) == "[10.0.0.1    ]");
  CHECK(fmt::format("[{:^19}]", MacAddr::zero()) == "[ 00:00:00:00:00:00 ]");
}
