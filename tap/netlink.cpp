#include "tap/netlink.hpp"

#include "tap/errors.hpp"
#include "tap/permissions.hpp"

#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <vector>

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

std::size_t build_add_address(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              const Ipv6Interface& address) {
  nlmsghdr* nlh = start(buffer, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, seq);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET6;
  ifa->ifa_prefixlen = address.prefix_len;
  // The kernel derives the scope from the address (link for fe80::/10); it ignores this one.
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  // ifa_flags is 8 bits wide; IFA_FLAGS, which newer kernels prefer, carries all 32.
  ifa->ifa_flags = IFA_F_NODAD;
  mnl_attr_put_check(nlh, buffer.size(), IFA_LOCAL, address.addr.octets.size(), address.addr.octets.data());
  mnl_attr_put_check(nlh, buffer.size(), IFA_ADDRESS, address.addr.octets.size(), address.addr.octets.data());
  mnl_attr_put_u32_check(nlh, buffer.size(), IFA_FLAGS, IFA_F_NODAD);
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
  if (change.txqueuelen) mnl_attr_put_u32_check(nlh, buffer.size(), IFLA_TXQLEN, *change.txqueuelen);
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

std::size_t build_get_links(std::span<std::byte> buffer, std::uint32_t seq) {
  nlmsghdr* nlh = start(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  return nlh->nlmsg_len;
}

std::size_t build_get_ipv4_addresses(std::span<std::byte> buffer, std::uint32_t seq) {
  nlmsghdr* nlh = start(buffer, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  return nlh->nlmsg_len;
}

std::size_t build_get_route(std::span<std::byte> buffer, std::uint32_t seq, Ipv4Addr destination) {
  nlmsghdr* nlh = start(buffer, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 32;
  rtm->rtm_flags = RTM_F_FIB_MATCH;
  mnl_attr_put_u32_check(nlh, buffer.size(), RTA_DST, htonl(destination.value));
  return nlh->nlmsg_len;
}

namespace {

// The one message in bytes with at least a payload header of extra bytes, or nullptr.
const nlmsghdr* one_message(Bytes message, std::uint16_t type, std::size_t extra) {
  if (message.size() < sizeof(nlmsghdr)) return nullptr;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(message.data());
  const int len = static_cast<int>(std::min<std::size_t>(message.size(), 1U << 30));
  if (!mnl_nlmsg_ok(nlh, len) || nlh->nlmsg_type != type || mnl_nlmsg_get_payload_len(nlh) < extra) return nullptr;
  return nlh;
}

// Attributes by type (every table here has fewer than 128 types); get() checks one's size
// against its kind before it is read.
struct AttrTable {
  static constexpr std::size_t kMaxType = 128;
  std::array<const nlattr*, kMaxType> at{};
  static int collect(const nlattr* attr, void* data) {
    auto* table = static_cast<AttrTable*>(data);
    const std::size_t type = mnl_attr_get_type(attr);
    if (type < kMaxType) table->at[type] = attr;
    return MNL_CB_OK;
  }
  const nlattr* get(std::size_t type, mnl_attr_data_type kind) const {
    const nlattr* a = type < kMaxType ? at[type] : nullptr;
    return a != nullptr && mnl_attr_validate(a, kind) >= 0 ? a : nullptr;
  }
};
static_assert(IFLA_MAX < AttrTable::kMaxType && RTA_MAX < AttrTable::kMaxType && IFLA_TUN_MAX < AttrTable::kMaxType);

}  // namespace

std::optional<TunLinkInfo> parse_tun_link(Bytes message) {
  const nlmsghdr* nlh = one_message(message, RTM_NEWLINK, sizeof(ifinfomsg));
  if (nlh == nullptr) return std::nullopt;
  ifinfomsg ifi;
  std::memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof ifi);
  AttrTable link;
  if (mnl_attr_parse(nlh, sizeof(ifinfomsg), AttrTable::collect, &link) < 0) return std::nullopt;
  const nlattr* linkinfo = link.get(IFLA_LINKINFO, MNL_TYPE_NESTED);
  if (linkinfo == nullptr) return std::nullopt;
  AttrTable info;
  if (mnl_attr_parse_nested(linkinfo, AttrTable::collect, &info) < 0) return std::nullopt;
  const nlattr* kind = info.get(IFLA_INFO_KIND, MNL_TYPE_NUL_STRING);
  if (kind == nullptr || std::string_view(mnl_attr_get_str(kind)) != "tun") return std::nullopt;

  TunLinkInfo tun;
  tun.index = static_cast<unsigned>(ifi.ifi_index);
  tun.up = (ifi.ifi_flags & IFF_UP) != 0;
  if (const nlattr* a = link.get(IFLA_IFNAME, MNL_TYPE_NUL_STRING)) tun.name = mnl_attr_get_str(a);
  if (const nlattr* a = link.get(IFLA_MTU, MNL_TYPE_U32)) tun.mtu = mnl_attr_get_u32(a);
  if (const nlattr* a = link.get(IFLA_CARRIER, MNL_TYPE_U8)) tun.carrier = mnl_attr_get_u8(a) != 0;
  if (const nlattr* a = link.get(IFLA_OPERSTATE, MNL_TYPE_U8)) tun.operstate = mnl_attr_get_u8(a);
  // The type is in the device too (ARPHRD_NONE for TUN); IFLA_TUN_TYPE says it directly.
  if (const nlattr* data = info.get(IFLA_INFO_DATA, MNL_TYPE_NESTED)) {
    AttrTable t;
    if (mnl_attr_parse_nested(data, AttrTable::collect, &t) < 0) return std::nullopt;
    auto flag = [&](int type) {
      const nlattr* a = t.get(static_cast<std::size_t>(type), MNL_TYPE_U8);
      return a != nullptr && mnl_attr_get_u8(a) != 0;
    };
    if (const nlattr* a = t.get(IFLA_TUN_TYPE, MNL_TYPE_U8)) tun.mode = mnl_attr_get_u8(a) == IFF_TUN ? LinkMode::tun : LinkMode::tap;
    if (const nlattr* a = t.get(IFLA_TUN_OWNER, MNL_TYPE_U32)) tun.owner = mnl_attr_get_u32(a);
    if (const nlattr* a = t.get(IFLA_TUN_GROUP, MNL_TYPE_U32)) tun.group = mnl_attr_get_u32(a);
    tun.packet_info = flag(IFLA_TUN_PI);
    tun.vnet_hdr = flag(IFLA_TUN_VNET_HDR);
    tun.persistent = flag(IFLA_TUN_PERSIST);
    tun.multi_queue = flag(IFLA_TUN_MULTI_QUEUE);
  }
  return tun;
}

std::optional<unsigned> parse_ipv4_address_index(Bytes message) {
  const nlmsghdr* nlh = one_message(message, RTM_NEWADDR, sizeof(ifaddrmsg));
  if (nlh == nullptr) return std::nullopt;
  ifaddrmsg ifa;
  std::memcpy(&ifa, mnl_nlmsg_get_payload(nlh), sizeof ifa);
  if (ifa.ifa_family != AF_INET) return std::nullopt;
  return ifa.ifa_index;
}

std::optional<RouteMatch> parse_route(Bytes message) {
  const nlmsghdr* nlh = one_message(message, RTM_NEWROUTE, sizeof(rtmsg));
  if (nlh == nullptr) return std::nullopt;
  rtmsg rtm;
  std::memcpy(&rtm, mnl_nlmsg_get_payload(nlh), sizeof rtm);
  if (rtm.rtm_family != AF_INET || rtm.rtm_dst_len > 32) return std::nullopt;
  AttrTable attrs;
  if (mnl_attr_parse(nlh, sizeof(rtmsg), AttrTable::collect, &attrs) < 0) return std::nullopt;
  RouteMatch route;
  route.type = rtm.rtm_type;
  route.local = rtm.rtm_type == RTN_LOCAL;
  route.linkdown = (rtm.rtm_flags & RTNH_F_LINKDOWN) != 0;
  route.destination.prefix_len = rtm.rtm_dst_len;
  if (const nlattr* a = attrs.get(RTA_DST, MNL_TYPE_U32)) route.destination.addr = Ipv4Addr{ntohl(mnl_attr_get_u32(a))};
  if (const nlattr* a = attrs.get(RTA_OIF, MNL_TYPE_U32)) route.oif = mnl_attr_get_u32(a);
  if (const nlattr* a = attrs.get(RTA_GATEWAY, MNL_TYPE_U32)) route.gateway = Ipv4Addr{ntohl(mnl_attr_get_u32(a))};
  return route;
}

}  // namespace netlink

unsigned interface_index(std::string_view name) {
  const std::string n(name);
  const unsigned index = ::if_nametoindex(n.c_str());
  if (index == 0)
    throw SetupError(SetupFailure{SetupStep::find_interface, errno, "cannot find interface " + n, n, {}});
  return index;
}

std::string interface_name(unsigned ifindex) {
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(ifindex, name) == nullptr) return "#" + std::to_string(ifindex);
  return name;
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
    const std::string advice = advice_for_refusal(SetupStep::configure_host, err, ifname, SetupStep::configure_host);
    throw SetupError(SetupFailure{SetupStep::configure_host, err, action, std::string(ifname), std::move(detail)}, advice);
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

void Rtnetlink::add_address(std::string_view ifname, const Ipv6Interface& address) {
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

namespace tapstack {

int Rtnetlink::query(std::span<const std::byte> request, std::uint32_t seq,
                     const std::function<void(Bytes)>& each_message) {
  if (mnl_socket_sendto(sock_.get(), request.data(), request.size()) < 0) return errno;
  struct Context {
    const std::function<void(Bytes)>* each;
  } context{&each_message};
  auto callback = [](const nlmsghdr* nlh, void* data) -> int {
    (*static_cast<Context*>(data)->each)(Bytes(reinterpret_cast<const std::byte*>(nlh), nlh->nlmsg_len));
    return MNL_CB_OK;
  };
  const unsigned portid = mnl_socket_get_portid(sock_.get());
  // A dump of every link of a busy host spans many datagrams; the kernel sizes each to what the
  // reader took before, up to 32 KiB, so 64 KiB is never too small.
  std::vector<std::byte> reply(65536);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(sock_.get(), reply.data(), reply.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
    }
    // mnl_cb_run: MNL_CB_OK to read on, MNL_CB_STOP at NLMSG_DONE or the ACK, MNL_CB_ERROR
    // with errno set from an NLMSG_ERROR.
    const int r = mnl_cb_run(reply.data(), static_cast<std::size_t>(n), seq, portid, callback, &context);
    if (r == MNL_CB_STOP) return 0;
    if (r == MNL_CB_ERROR) return errno != 0 ? errno : EPROTO;
  }
}

std::vector<TunLinkInfo> Rtnetlink::tun_links() {
  alignas(nlmsghdr) std::array<std::byte, netlink::kRequestBufferLen> buffer;
  const std::uint32_t seq = ++seq_;
  const std::size_t len = netlink::build_get_links(buffer, seq);
  std::vector<TunLinkInfo> links;
  const int err = query(std::span(buffer).first(len), seq, [&](Bytes message) {
    if (auto tun = netlink::parse_tun_link(message)) links.push_back(std::move(*tun));
  });
  if (err != 0) throw SetupError(SetupFailure{SetupStep::read_host, err, "cannot list the interfaces", {}, {}});
  return links;
}

bool Rtnetlink::has_ipv4_address(unsigned ifindex) {
  alignas(nlmsghdr) std::array<std::byte, netlink::kRequestBufferLen> buffer;
  const std::uint32_t seq = ++seq_;
  const std::size_t len = netlink::build_get_ipv4_addresses(buffer, seq);
  bool found = false;
  const int err = query(std::span(buffer).first(len), seq, [&](Bytes message) {
    if (netlink::parse_ipv4_address_index(message) == ifindex) found = true;
  });
  if (err != 0) throw SetupError(SetupFailure{SetupStep::read_host, err, "cannot list the addresses", {}, {}});
  return found;
}

std::optional<RouteMatch> Rtnetlink::route_to(Ipv4Addr destination) {
  alignas(nlmsghdr) std::array<std::byte, netlink::kRequestBufferLen> buffer;
  const std::uint32_t seq = ++seq_;
  const std::size_t len = netlink::build_get_route(buffer, seq, destination);
  std::optional<RouteMatch> route;
  const int err = query(std::span(buffer).first(len), seq, [&](Bytes message) {
    if (auto r = netlink::parse_route(message)) route = *r;
  });
  if (err == ENETUNREACH || err == EHOSTUNREACH) return std::nullopt;
  if (err != 0)
    throw SetupError(SetupFailure{SetupStep::read_host, err, "cannot look up the route to " + destination.to_string(), {}, {}});
  return route;
}

std::optional<RouteMatch> lookup_route(Ipv4Addr destination) { return Rtnetlink::open().route_to(destination); }

bool interface_lacks_ipv4_address(std::string_view ifname) noexcept {
  try {
    const unsigned index = ::if_nametoindex(std::string(ifname).c_str());
    if (index == 0) return false;
    return !Rtnetlink::open().has_ipv4_address(index);
  } catch (...) {
    return false;
  }
}

}  // namespace tapstack
