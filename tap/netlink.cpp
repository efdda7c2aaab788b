#include "tap/netlink.hpp"

#include "tap/errors.hpp"

#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace tapstack {
namespace netlink {
namespace {

nlmsghdr* start(std::span<std::byte> buffer, std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
  std::memset(buffer.data(), 0, buffer.size());
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = seq;
  return nlh;
}

}  // namespace

std::size_t build_add_address(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              Ipv4Interface address) {
  nlmsghdr* nlh = start(buffer, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, seq);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = address.prefix_len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  // Attributes carry addresses in network byte order.
  mnl_attr_put_u32_check(nlh, buffer.size(), IFA_LOCAL, htonl(address.addr.value));
  mnl_attr_put_u32_check(nlh, buffer.size(), IFA_ADDRESS, htonl(address.addr.value));
  if (const auto brd = address.subnet_broadcast())
    mnl_attr_put_u32_check(nlh, buffer.size(), IFA_BROADCAST, htonl(brd->value));
  return nlh->nlmsg_len;
}

std::size_t build_change_link(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              const LinkChange& change) {
  nlmsghdr* nlh = start(buffer, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = static_cast<int>(ifindex);
  if (change.up) {
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = *change.up ? IFF_UP : 0;
  }
  if (change.mtu) mnl_attr_put_u32_check(nlh, buffer.size(), IFLA_MTU, *change.mtu);
  if (change.mac) mnl_attr_put_check(nlh, buffer.size(), IFLA_ADDRESS, change.mac->octets.size(), change.mac->octets.data());
  return nlh->nlmsg_len;
}

namespace {

int find_message_attr(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
    *static_cast<std::string*>(data) = mnl_attr_get_str(attr);
  return MNL_CB_OK;
}

}  // namespace

std::optional<Ack> find_ack(Bytes datagram, std::uint32_t seq) {
  // libmnl walks a message list by pointer; mnl_nlmsg_ok checks each header against what is left.
  int left = static_cast<int>(std::min<std::size_t>(datagram.size(), 1U << 30));
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(datagram.data());
  for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
    if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != seq) continue;
    const std::size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
    if (payload_len < sizeof(nlmsgerr)) return Ack{EBADMSG, "truncated acknowledgement"};
    nlmsgerr err;
    std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
    Ack ack{err.error < 0 ? -err.error : err.error, {}};
    if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) != 0) {
      // The TLVs follow the echoed request: its header only when capped, the whole of it otherwise.
      std::size_t offset = sizeof(nlmsgerr);
      if ((nlh->nlmsg_flags & NLM_F_CAPPED) == 0 && err.msg.nlmsg_len > sizeof(nlmsghdr))
        offset += NLMSG_ALIGN(err.msg.nlmsg_len - sizeof(nlmsghdr));
      if (offset < payload_len)
        mnl_attr_parse(nlh, static_cast<unsigned>(offset), find_message_attr, &ack.message);
    }
    return ack;
  }
  return std::nullopt;
}

}  // namespace netlink

unsigned interface_index(std::string_view name) {
  const std::string n(name);
  const unsigned index = ::if_nametoindex(n.c_str());
  if (index == 0)
    throw SetupError(SetupFailure{SetupStep::find_interface, errno, "cannot find interface " + n, n, {}});
  return index;
}

void Rtnetlink::Close::operator()(mnl_socket* s) const { mnl_socket_close(s); }

Rtnetlink::Rtnetlink(mnl_socket* s) : sock_(s), seq_(static_cast<std::uint32_t>(std::time(nullptr))) {}

Rtnetlink Rtnetlink::open() {
  mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  auto fail = [](int err) -> Rtnetlink {
    throw SetupError(SetupFailure{SetupStep::open_netlink, err, "cannot open a netlink socket", {}, {}});
  };
  if (s == nullptr) return fail(errno);
  Rtnetlink nl(s);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) return fail(errno);
  // Best effort: older kernels lack these, and the errno alone is still reported.
  int on = 1;
  mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &on, sizeof on);
  mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &on, sizeof on);
  // The kernel answers at once; the timeout only bounds the wait if it somehow does not.
  timeval timeout{2, 0};
  ::setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return nl;
}

void Rtnetlink::transact(std::span<const std::byte> request, std::uint32_t seq, std::string action,
                         std::string_view ifname) {
  auto fail = [&](int err, std::string detail) {
    throw SetupError(SetupFailure{SetupStep::configure_host, err, action, std::string(ifname), std::move(detail)});
  };
  if (mnl_socket_sendto(sock_.get(), request.data(), request.size()) < 0) fail(errno, {});
  alignas(nlmsghdr) std::array<std::byte, 8192> reply;
  // Bounded: a handful of unrelated datagrams at most can precede the ACK on a fresh socket.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const ssize_t n = mnl_socket_recvfrom(sock_.get(), reply.data(), reply.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno, {});
    }
    if (auto ack = netlink::find_ack(Bytes(reply.data(), static_cast<std::size_t>(n)), seq)) {
      if (ack->error != 0) fail(ack->error, ack->message);
      return;
    }
  }
  fail(ETIMEDOUT, {});
}

void Rtnetlink::add_address(std::string_view ifname, Ipv4Interface address) {
  const unsigned index = interface_index(ifname);
  alignas(nlmsghdr) std::array<std::byte, netlink::kRequestBufferLen> buffer;
  const std::uint32_t seq = ++seq_;
  const std::size_t len = netlink::build_add_address(buffer, seq, index, address);
  transact(std::span(buffer).first(len), seq, "cannot assign " + address.to_string() + " to " + std::string(ifname), ifname);
}

void Rtnetlink::change_link(std::string_view ifname, const LinkChange& change) {
  const unsigned index = interface_index(ifname);
  alignas(nlmsghdr) std::array<std::byte, netlink::kRequestBufferLen> buffer;
  const std::uint32_t seq = ++seq_;
  const std::size_t len = netlink::build_change_link(buffer, seq, index, change);
  std::string what;
  auto part = [&](const std::string& p) { what += (what.empty() ? "" : ", ") + p; };
  if (change.mtu) part("MTU " + std::to_string(*change.mtu));
  if (change.mac) part("MAC " + change.mac->to_string());
  if (change.up) part(*change.up ? "up" : "down");
  transact(std::span(buffer).first(len), seq, "cannot set " + std::string(ifname) + " " + what, ifname);
}

}  // namespace tapstack
