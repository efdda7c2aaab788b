// The core refuses a config it cannot run, whoever builds it: a library user gets a
// StackConfigError naming the field and the limit, before anything is sized from the config.
#include "stack/stack.hpp"

#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tapstack;
using namespace tapstack::test;

namespace {

// The message the constructor throws for config, or "" if it builds a Stack.
std::string refusal(const StackConfig& config) {
  CapturingSink sink;
  try {
    Stack stack(config, sink);
  } catch (const StackConfigError& e) {
    CHECK(config_error(config) == e.what());
    return e.what();
  }
  CHECK_FALSE(config_error(config));
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("config: the test configuration and the defaults' limits are accepted") {
  StackConfig c = test_config();
  CHECK(refusal(c).empty());
  c.mtu = 68;
  CHECK(refusal(c).empty());
  c.mtu = 65535;
  CHECK(refusal(c).empty());
  c.ip.prefix_len = 32;
  CHECK(refusal(c).empty());
}

TEST_CASE("config: an MTU of 40 is refused by the core itself, naming the field and RFC 791's 68") {
  StackConfig c = test_config();
  c.mtu = 40;
  const std::string why = refusal(c);
  CHECK(contains(why, "mtu 40"));
  CHECK(contains(why, "68"));
  c.mtu = 67;
  CHECK(contains(refusal(c), "mtu 67"));
}

TEST_CASE("config: a prefix over 32 is refused") {
  StackConfig c = test_config();
  c.ip.prefix_len = 33;
  CHECK(contains(refusal(c), "prefix /33"));
}

TEST_CASE("config: an address no host can own is refused") {
  StackConfig c = test_config();
  c.ip.addr = Ipv4Addr::any();
  CHECK(contains(refusal(c), "ip 0.0.0.0 is unspecified"));
  c.ip.addr = Ipv4Addr::from_octets(224, 0, 0, 1);
  CHECK(contains(refusal(c), "ip 224.0.0.1 is multicast"));
  c.ip.addr = Ipv4Addr::limited_broadcast();
  CHECK(contains(refusal(c), "ip 255.255.255.255/24 is a broadcast"));
  c.ip.addr = Ipv4Addr::from_octets(10, 0, 0, 255);
  CHECK(contains(refusal(c), "ip 10.0.0.255/24 is a broadcast"));
  c.ip.addr = Ipv4Addr::from_octets(127, 0, 0, 1);
  CHECK(contains(refusal(c), "ip 127.0.0.1 is loopback"));
}

TEST_CASE("config: in TAP mode the MAC must be unicast and not all zero; TUN has none to check") {
  StackConfig c = test_config();
  c.mac = MacAddr::zero();
  CHECK(contains(refusal(c), "mac 00:00:00:00:00:00 is all zero"));
  c.mac = MacAddr::broadcast();
  CHECK(contains(refusal(c), "mac ff:ff:ff:ff:ff:ff is a group"));
  c.mac = MacAddr{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
  CHECK(contains(refusal(c), "mac 01:00:5e:00:00:01 is a group"));
  c.mode = LinkMode::tun;
  CHECK(refusal(c).empty());
}

TEST_CASE("config: zero-sized tables are refused") {
  StackConfig c = test_config();
  c.arp.max_entries = 0;
  CHECK(contains(refusal(c), "arp.max_entries is 0"));
  c = test_config();
  c.arp.max_held_total = 0;
  CHECK(contains(refusal(c), "arp.max_held_total is 0"));
  c = test_config();
  c.arp.max_held_per_neighbour = 0;
  CHECK(contains(refusal(c), "arp.max_held_per_neighbour is 0"));
  c = test_config();
  c.reassembly.max_bytes = 0;
  CHECK(contains(refusal(c), "reassembly.max_bytes is 0"));
}

TEST_CASE("config: at the smallest MTU an error about a datagram with 40 bytes of options still goes out") {
  // ICMP's quote room is min(MTU, 576) - 20 - options - 8: zero here, never below.
  StackFixture f;
  f.config.mtu = 68;
  f.reconfigure();
  f.introduce_peer();
  const Frame rr = bytes({7, 39, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  f.feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4,
                  ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(5000, 9, 8), 0, 0x1234, 0, rr)));
  REQUIRE(f.sink.frames.size() == 1);
  const auto ip = emitted_ipv4(f.sink.frames[0]);
  CHECK(ip.total_len() == 68);
  CHECK(ip.header_len() == 60);
  const auto icmp = IcmpView::parse(ip.payload());
  REQUIRE(icmp);
  CHECK(icmp->type() == IcmpType::dest_unreachable);
  CHECK(icmp->data().empty());
}
