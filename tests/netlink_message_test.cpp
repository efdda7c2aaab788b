#include "tap/netlink.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

using namespace tapstack;

namespace {

using Buffer = std::array<std::byte, netlink::kRequestBufferLen>;

// type → payload of every top-level attribute after the family header.
std::map<std::uint16_t, std::vector<std::byte>> attributes(const Buffer& buf, std::size_t header_len) {
  std::map<std::uint16_t, std::vector<std::byte>> out;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
  mnl_attr_parse(
      nlh, static_cast<unsigned>(header_len),
      [](const nlattr* a, void* data) {
        auto* m = static_cast<std::map<std::uint16_t, std::vector<std::byte>>*>(data);
        const auto* p = static_cast<const std::byte*>(mnl_attr_get_payload(a));
        (*m)[mnl_attr_get_type(a)] = std::vector<std::byte>(p, p + mnl_attr_get_payload_len(a));
        return MNL_CB_OK;
      },
      &out);
  return out;
}

std::uint32_t u32(const std::vector<std::byte>& v) {
  REQUIRE(v.size() == 4);
  std::uint32_t x;
  std::memcpy(&x, v.data(), 4);
  return x;
}

Ipv4Interface interface_address(const char* text) { return *Ipv4Interface::parse(text); }

// An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK and NETLINK_EXT_ACK.
std::vector<std::byte> error_message(std::uint32_t seq, int error, const char* text = nullptr) {
  alignas(nlmsghdr) std::array<std::byte, 512> buf{};
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = NLMSG_ERROR;
  nlh->nlmsg_seq = seq;
  nlh->nlmsg_flags = NLM_F_CAPPED;
  auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
  err->error = -error;
  err->msg.nlmsg_len = 40;  // the request's length; capped, so its body is not echoed
  err->msg.nlmsg_seq = seq;
  if (text != nullptr) {
    nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
    mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
  }
  return {buf.begin(), buf.begin() + nlh->nlmsg_len};
}

}  // namespace

TEST_CASE("netlink: adding an address is RTM_NEWADDR create/replace with local, address and broadcast") {
  alignas(nlmsghdr) Buffer buf;
  const std::size_t len = netlink::build_add_address(buf, 42, 7, interface_address("10.0.0.1/24"));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
  CHECK(len == nlh->nlmsg_len);
  CHECK(nlh->nlmsg_type == RTM_NEWADDR);
  CHECK(nlh->nlmsg_seq == 42);
  CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  CHECK(ifa->ifa_family == AF_INET);
  CHECK(ifa->ifa_prefixlen == 24);
  CHECK(ifa->ifa_index == 7);
  CHECK(ifa->ifa_scope == RT_SCOPE_UNIVERSE);
  auto attrs = attributes(buf, sizeof(ifaddrmsg));
  CHECK(attrs.size() == 3);
  CHECK(u32(attrs[IFA_LOCAL]) == htonl(0x0a000001));
  CHECK(u32(attrs[IFA_ADDRESS]) == htonl(0x0a000001));
  CHECK(u32(attrs[IFA_BROADCAST]) == htonl(0x0a0000ff));
}

TEST_CASE("netlink: a /31 or /32 gets no broadcast address (RFC 3021)") {
  alignas(nlmsghdr) Buffer buf;
  netlink::build_add_address(buf, 1, 7, interface_address("10.0.0.0/31"));
  CHECK(attributes(buf, sizeof(ifaddrmsg)).count(IFA_BROADCAST) == 0);
  netlink::build_add_address(buf, 1, 7, interface_address("10.0.0.1/32"));
  CHECK(attributes(buf, sizeof(ifaddrmsg)).count(IFA_BROADCAST) == 0);
}

TEST_CASE("netlink: an IPv6 address is added with IFA_F_NODAD, so the host does not wait for its DAD") {
  alignas(nlmsghdr) Buffer buf;
  const Ipv6Interface address = *Ipv6Interface::parse("fd00::1/64");
  const std::size_t len = netlink::build_add_address(buf, 43, 7, address);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
  CHECK(len == nlh->nlmsg_len);
  CHECK(nlh->nlmsg_type == RTM_NEWADDR);
  CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  CHECK(ifa->ifa_family == AF_INET6);
  CHECK(ifa->ifa_prefixlen == 64);
  CHECK(ifa->ifa_index == 7);
  CHECK(ifa->ifa_flags == IFA_F_NODAD);
  auto attrs = attributes(buf, sizeof(ifaddrmsg));
  CHECK(attrs.size() == 3);
  REQUIRE(attrs[IFA_LOCAL].size() == 16);
  CHECK(std::memcmp(attrs[IFA_LOCAL].data(), address.addr.octets.data(), 16) == 0);
  CHECK(attrs[IFA_ADDRESS] == attrs[IFA_LOCAL]);
  CHECK(u32(attrs[IFA_FLAGS]) == IFA_F_NODAD);
}

TEST_CASE("netlink: bringing a link up changes only IFF_UP") {
  alignas(nlmsghdr) Buffer buf;
  LinkChange up;
  up.up = true;
  netlink::build_change_link(buf, 5, 9, up);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
  CHECK(nlh->nlmsg_type == RTM_NEWLINK);
  CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  CHECK(ifi->ifi_index == 9);
  CHECK(ifi->ifi_change == IFF_UP);
  CHECK(ifi->ifi_flags == IFF_UP);
  CHECK(attributes(buf, sizeof(ifinfomsg)).empty());
}

TEST_CASE("netlink: MTU and MAC are attributes, and leave the flags alone") {
  alignas(nlmsghdr) Buffer buf;
  const MacAddr mac{{0x02, 0, 0x0a, 0, 0, 1}};
  LinkChange change;
  change.mtu = 9000;
  change.mac = mac;
  netlink::build_change_link(buf, 5, 9, change);
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(reinterpret_cast<const nlmsghdr*>(buf.data())));
  CHECK(ifi->ifi_change == 0u);
  auto attrs = attributes(buf, sizeof(ifinfomsg));
  CHECK(u32(attrs[IFLA_MTU]) == 9000);
  REQUIRE(attrs[IFLA_ADDRESS].size() == 6);
  CHECK(std::memcmp(attrs[IFLA_ADDRESS].data(), mac.octets.data(), 6) == 0);
}

TEST_CASE("netlink: the queue length is IFLA_TXQLEN alone") {
  alignas(nlmsghdr) Buffer buf;
  LinkChange change;
  change.txqueuelen = kFloodTxQueueLen;
  netlink::build_change_link(buf, 5, 9, change);
  auto attrs = attributes(buf, sizeof(ifinfomsg));
  CHECK(attrs.size() == 1);
  CHECK(u32(attrs[IFLA_TXQLEN]) == kFloodTxQueueLen);
}

TEST_CASE("netlink: a zero error is the ACK we wait for") {
  const auto m = error_message(42, 0);
  const auto ack = netlink::find_ack(m, 42);
  REQUIRE(ack);
  CHECK(ack->error == 0);
  CHECK(ack->message.empty());
}

TEST_CASE("netlink: a refusal carries the errno and the extended-ack text") {
  const auto m = error_message(42, EINVAL, "mtu greater than device maximum");
  const auto ack = netlink::find_ack(m, 42);
  REQUIRE(ack);
  CHECK(ack->error == EINVAL);
  CHECK(ack->message == "mtu greater than device maximum");
}

TEST_CASE("netlink: ACKs for other requests are skipped, several messages in one datagram are walked") {
  auto m = error_message(41, EEXIST);
  const auto ours = error_message(42, EEXIST);
  CHECK_FALSE(netlink::find_ack(m, 42));
  m.insert(m.end(), ours.begin(), ours.end());
  const auto ack = netlink::find_ack(m, 42);
  REQUIRE(ack);
  CHECK(ack->error == EEXIST);
}

TEST_CASE("netlink: a truncated datagram is never read past its end") {
  const auto m = error_message(42, EINVAL, "some text");
  for (std::size_t len = 0; len < m.size(); ++len) {
    // An exact-size heap copy so ASan catches an overrun.
    std::vector<std::byte> cut(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(len));
    INFO("length " << len);
    const auto ack = netlink::find_ack(cut, 42);
    if (ack) CHECK(ack->error != 0);
  }
}
