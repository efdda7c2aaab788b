// What `tapstack tap list` and run's host checks read, from bytes and text: the kernel's
// RTM_NEWLINK for a TUN/TAP (tun_fill_info), RTM_NEWADDR, RTM_NEWROUTE for a FIB match, and the
// "iff:" line of a TUN/TAP descriptor's /proc fdinfo. Messages are built here with libmnl the
// way the kernel lays them out.
#include "tap/netlink.hpp"
#include "tap/tun_interfaces.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <array>
#include <cstring>
#include <vector>

using namespace tapstack;

namespace {

struct Message {
  alignas(nlmsghdr) std::array<std::byte, 1024> buf{};
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  Bytes bytes() const { return Bytes(buf.data(), nlh->nlmsg_len); }
};

struct TunLink {
  const char* kind = "tun";
  std::uint8_t type = IFF_TAP;
  std::optional<std::uint32_t> owner;
  std::optional<std::uint32_t> group;
  bool persist = true;
  bool carrier = false;
  bool linkinfo = true;
};

// An RTM_NEWLINK as tun_fill_info() and rtnl_fill_ifinfo() write it.
Message link_message(const TunLink& t) {
  Message m;
  m.nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(m.nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = 7;
  ifi->ifi_flags = IFF_UP | IFF_BROADCAST;
  mnl_attr_put_strz(m.nlh, IFLA_IFNAME, "tap0");
  mnl_attr_put_u32(m.nlh, IFLA_MTU, 1500);
  mnl_attr_put_u8(m.nlh, IFLA_OPERSTATE, t.carrier ? 6 : 2);
  mnl_attr_put_u8(m.nlh, IFLA_CARRIER, t.carrier ? 1 : 0);
  if (t.linkinfo) {
    nlattr* info = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, t.kind);
    nlattr* data = mnl_attr_nest_start(m.nlh, IFLA_INFO_DATA);
    mnl_attr_put_u8(m.nlh, IFLA_TUN_TYPE, t.type);
    if (t.owner) mnl_attr_put_u32(m.nlh, IFLA_TUN_OWNER, *t.owner);
    if (t.group) mnl_attr_put_u32(m.nlh, IFLA_TUN_GROUP, *t.group);
    mnl_attr_put_u8(m.nlh, IFLA_TUN_PI, 0);
    mnl_attr_put_u8(m.nlh, IFLA_TUN_VNET_HDR, 1);
    mnl_attr_put_u8(m.nlh, IFLA_TUN_PERSIST, t.persist ? 1 : 0);
    mnl_attr_put_u8(m.nlh, IFLA_TUN_MULTI_QUEUE, 0);
    mnl_attr_nest_end(m.nlh, data);
    mnl_attr_nest_end(m.nlh, info);
  }
  return m;
}

}  // namespace

TEST_CASE("tap list: a TUN/TAP link message gives mode, owner, group, persistence, flags and carrier") {
  TunLink t;
  t.owner = 1000;
  t.group = 27;
  t.carrier = true;
  const Message m = link_message(t);
  const auto tun = netlink::parse_tun_link(m.bytes());
  REQUIRE(tun);
  CHECK(tun->name == "tap0");
  CHECK(tun->index == 7);
  CHECK(tun->mode == LinkMode::tap);
  CHECK(tun->owner == 1000u);
  CHECK(tun->group == 27u);
  CHECK(tun->persistent);
  CHECK_FALSE(tun->packet_info);
  CHECK(tun->vnet_hdr);
  CHECK_FALSE(tun->multi_queue);
  CHECK(tun->up);
  CHECK(tun->carrier);
  CHECK(tun->operstate == 6);
  CHECK(tun->mtu == 1500);
  CHECK(operstate_name(tun->operstate) == "UP");
}

TEST_CASE("tap list: no owner or group is no attribute, and a TUN is told apart from a TAP") {
  TunLink t;
  t.type = IFF_TUN;
  t.persist = false;
  const Message m = link_message(t);
  const auto tun = netlink::parse_tun_link(m.bytes());
  REQUIRE(tun);
  CHECK(tun->mode == LinkMode::tun);
  CHECK_FALSE(tun->owner);
  CHECK_FALSE(tun->group);
  CHECK_FALSE(tun->persistent);
  CHECK_FALSE(tun->carrier);
  CHECK(operstate_name(tun->operstate) == "DOWN");
}

TEST_CASE("tap list: other kinds of link, and cut messages, are not TUN/TAP interfaces") {
  TunLink veth;
  veth.kind = "veth";
  CHECK_FALSE(netlink::parse_tun_link(link_message(veth).bytes()));
  TunLink plain;
  plain.linkinfo = false;  // lo, eth0: no IFLA_LINKINFO at all
  CHECK_FALSE(netlink::parse_tun_link(link_message(plain).bytes()));

  const Message m = link_message(TunLink{});
  const Bytes whole = m.bytes();
  for (std::size_t cut : {std::size_t{0}, std::size_t{8}, sizeof(nlmsghdr), sizeof(nlmsghdr) + 4, whole.size() - 1})
    CHECK_FALSE(netlink::parse_tun_link(whole.first(cut)));
}

TEST_CASE("tap list: an attribute of the wrong size is ignored, not read past") {
  Message m;
  m.nlh->nlmsg_type = RTM_NEWLINK;
  mnl_nlmsg_put_extra_header(m.nlh, sizeof(ifinfomsg));
  nlattr* info = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "tun");
  nlattr* data = mnl_attr_nest_start(m.nlh, IFLA_INFO_DATA);
  mnl_attr_put_u8(m.nlh, IFLA_TUN_OWNER, 1);  // a u32 in the kernel
  mnl_attr_nest_end(m.nlh, data);
  mnl_attr_nest_end(m.nlh, info);
  const auto tun = netlink::parse_tun_link(m.bytes());
  REQUIRE(tun);
  CHECK_FALSE(tun->owner);
}

TEST_CASE("tap list: the interface of a TUN/TAP descriptor is the iff line of its fdinfo") {
  CHECK(parse_tun_fdinfo("pos:\t0\nflags:\t02004002\nmnt_id:\t15\nino:\t1057\niff:\ttap0\n") == "tap0");
  CHECK(parse_tun_fdinfo("iff:\ttstk9") == "tstk9");  // no final newline
  CHECK_FALSE(parse_tun_fdinfo("pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\n"));  // a TUN fd before TUNSETIFF
  CHECK_FALSE(parse_tun_fdinfo("iff:\t\n"));
  CHECK_FALSE(parse_tun_fdinfo(""));
  CHECK_FALSE(parse_tun_fdinfo("eventfd-count: 0\ntiff:\tx\n"));
}

TEST_CASE("host checks: an address message names the interface it is on, IPv4 only") {
  Message m;
  m.nlh->nlmsg_type = RTM_NEWADDR;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(m.nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_index = 4;
  ifa->ifa_prefixlen = 24;
  mnl_attr_put_u32(m.nlh, IFA_LOCAL, htonl(0x0a000001));
  CHECK(netlink::parse_ipv4_address_index(m.bytes()) == 4u);
  ifa->ifa_family = AF_INET6;
  CHECK_FALSE(netlink::parse_ipv4_address_index(m.bytes()));
}

TEST_CASE("host checks: a route lookup asks for the FIB entry a destination matches") {
  alignas(nlmsghdr) std::array<std::byte, netlink::kRequestBufferLen> buf;
  const std::size_t len = netlink::build_get_route(buf, 9, Ipv4Addr::from_octets(10, 0, 0, 2));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
  CHECK(len == nlh->nlmsg_len);
  CHECK(nlh->nlmsg_type == RTM_GETROUTE);
  CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  CHECK(rtm->rtm_family == AF_INET);
  CHECK(rtm->rtm_dst_len == 32);
  CHECK((rtm->rtm_flags & RTM_F_FIB_MATCH) != 0);
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(rtmsg)));
  CHECK(mnl_attr_get_type(attr) == RTA_DST);
  CHECK(mnl_attr_get_u32(attr) == htonl(0x0a000002));
}

TEST_CASE("host checks: the FIB match gives the route's own prefix, device and link state") {
  Message m;
  m.nlh->nlmsg_type = RTM_NEWROUTE;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(m.nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 24;
  rtm->rtm_type = RTN_UNICAST;
  rtm->rtm_flags = RTNH_F_LINKDOWN;
  mnl_attr_put_u32(m.nlh, RTA_DST, htonl(0x0a000000));
  mnl_attr_put_u32(m.nlh, RTA_OIF, 3);
  const auto route = netlink::parse_route(m.bytes());
  REQUIRE(route);
  CHECK(route->destination == *Ipv4Interface::parse("10.0.0.0/24"));
  CHECK(route->oif == 3);
  CHECK(route->linkdown);
  CHECK_FALSE(route->local);
  CHECK_FALSE(route->gateway);

  // The default route: no RTA_DST, prefix 0, a gateway.
  Message d;
  d.nlh->nlmsg_type = RTM_NEWROUTE;
  auto* def = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(d.nlh, sizeof(rtmsg)));
  def->rtm_family = AF_INET;
  mnl_attr_put_u32(d.nlh, RTA_GATEWAY, htonl(0xc0a80001));
  mnl_attr_put_u32(d.nlh, RTA_OIF, 2);
  const auto via = netlink::parse_route(d.bytes());
  REQUIRE(via);
  CHECK(via->destination.prefix_len == 0);
  CHECK(via->gateway == Ipv4Addr::from_octets(192, 168, 0, 1));
  CHECK_FALSE(via->linkdown);

  def->rtm_family = AF_INET6;
  CHECK_FALSE(netlink::parse_route(d.bytes()));
}

TEST_CASE("tap list: asking the kernel needs no privilege") {
  CHECK_NOTHROW(list_tun_interfaces());
}
