#include "tap/link_stats.hpp"

#include "tap/errors.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/socket.h>
#include <vector>

namespace tapstack {
namespace {

struct SocketCloser {
  void operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }
};

struct Parsed {
  bool found = false;
  KernelLinkStats stats;
};

int on_attr(const nlattr* attr, void* data) {
  auto* parsed = static_cast<Parsed*>(data);
  if (mnl_attr_get_type(attr) == IFLA_STATS64 && mnl_attr_get_payload_len(attr) >= sizeof(rtnl_link_stats64)) {
    rtnl_link_stats64 s;
    std::memcpy(&s, mnl_attr_get_payload(attr), sizeof s);
    parsed->found = true;
    parsed->stats = {s.rx_packets, s.tx_packets, s.rx_bytes, s.tx_bytes,
                     s.rx_errors,  s.tx_errors,  s.rx_dropped, s.tx_dropped};
  }
  return MNL_CB_OK;
}

int on_message(const nlmsghdr* nlh, void* data) {
  mnl_attr_parse(nlh, sizeof(ifinfomsg), on_attr, data);
  return MNL_CB_OK;
}

}  // namespace

// One question: the reader below, opened for it alone.
std::expected<KernelLinkStats, std::string> kernel_link_stats(std::string_view ifname) {
  const std::string name(ifname);
  const unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) return std::unexpected(name + ": " + std::strerror(errno));
  try {
    return KernelLinkStatsReader::open(index).read();
  } catch (const SetupError& e) {
    return std::unexpected(std::string(e.what()));
  }
}

struct KernelLinkStatsReader::Socket {
  std::unique_ptr<mnl_socket, SocketCloser> nl;
  unsigned ifindex = 0;
  std::uint32_t seq = 0;
  std::vector<char> buffer = std::vector<char>(MNL_SOCKET_BUFFER_SIZE);
};

KernelLinkStatsReader::KernelLinkStatsReader(std::unique_ptr<Socket> socket) : socket_(std::move(socket)) {}
KernelLinkStatsReader::KernelLinkStatsReader(KernelLinkStatsReader&&) noexcept = default;
KernelLinkStatsReader& KernelLinkStatsReader::operator=(KernelLinkStatsReader&&) noexcept = default;
KernelLinkStatsReader::~KernelLinkStatsReader() = default;

KernelLinkStatsReader KernelLinkStatsReader::open(unsigned ifindex) {
  auto socket = std::make_unique<Socket>();
  socket->ifindex = ifindex;
  socket->nl.reset(mnl_socket_open(NETLINK_ROUTE));
  if (!socket->nl || mnl_socket_bind(socket->nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    throw SetupError(SetupFailure{SetupStep::open_netlink, errno, "cannot open a netlink socket", {}, {}});
  // The kernel answers at once; the timeout only bounds a report if it somehow does not.
  timeval timeout{1, 0};
  ::setsockopt(mnl_socket_get_fd(socket->nl.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return KernelLinkStatsReader(std::move(socket));
}

std::expected<KernelLinkStats, std::string> KernelLinkStatsReader::read() {
  Socket& s = *socket_;
  const int fd = mnl_socket_get_fd(s.nl.get());
  nlmsghdr* nlh = mnl_nlmsg_put_header(s.buffer.data());
  nlh->nlmsg_type = RTM_GETLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = ++s.seq;
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = static_cast<int>(s.ifindex);
  // write(2), not sendto(2): a bound netlink socket sends to the kernel by default, and write is
  // what the seccomp allow-list has.
  if (::write(fd, nlh, nlh->nlmsg_len) < 0) return std::unexpected(std::string("rtnetlink: ") + std::strerror(errno));
  const unsigned portid = mnl_socket_get_portid(s.nl.get());
  // An answer to an earlier question that timed out may come first: skip it by its sequence.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const ssize_t n = ::read(fd, s.buffer.data(), s.buffer.size());
    if (n < 0) return std::unexpected(std::string("rtnetlink: ") + std::strerror(errno));
    Parsed parsed;
    const int rc = mnl_cb_run(s.buffer.data(), static_cast<size_t>(n), s.seq, portid, on_message, &parsed);
    if (rc < 0 && errno == EPROTO) continue;  // another sequence number
    if (rc < 0) return std::unexpected(std::string("rtnetlink: ") + std::strerror(errno));
    if (!parsed.found) return std::unexpected(std::string("the kernel reported no statistics"));
    return parsed.stats;
  }
  return std::unexpected(std::string("rtnetlink: no answer to the statistics request"));
}

}  // namespace tapstack
