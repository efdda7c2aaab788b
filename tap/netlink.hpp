#pragma once
// Host-side configuration of an interface over rtnetlink (RFC 3549; linux/rtnetlink.h) through
// libmnl, doing what `ip addr replace` and `ip link set` do without running them. Every request
// asks for an ACK and waits for it, so a refusal surfaces here as a SetupError in words.
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct mnl_socket;

namespace tapstack {

// What one RTM_NEWLINK changes; fields left unset are left alone.
struct LinkChange {
  std::optional<bool> up;
  std::optional<std::uint32_t> mtu;
  std::optional<MacAddr> mac;
};

namespace netlink {

// Builders and the ACK reader are separate from the socket so tests see the exact bytes.
// A request buffer must be aligned for nlmsghdr (4 bytes) and hold kRequestBufferLen bytes.
inline constexpr std::size_t kRequestBufferLen = 256;

// RTM_NEWADDR for AF_INET with NLM_F_CREATE|NLM_F_REPLACE, so a rerun on a persistent interface
// that already has the address is not an error: IFA_LOCAL and IFA_ADDRESS (equal: not a
// point-to-point peer), IFA_BROADCAST for prefixes that have one (iproute2's `brd +`; without it
// the kernel installs no broadcast route). Returns the message length.
std::size_t build_add_address(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              Ipv4Interface address);

// RTM_NEWLINK on an existing link: IFF_UP through ifi_flags/ifi_change, IFLA_MTU, IFLA_ADDRESS.
std::size_t build_change_link(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              const LinkChange& change);

struct Ack {
  int error = 0;         // errno; 0 means the request succeeded
  std::string message;   // the kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it gave one
};

// Looks through one datagram from the kernel for the ACK of request seq. nullopt when the
// datagram holds no such ACK (keep reading). Never reads outside datagram, whatever it holds.
std::optional<Ack> find_ack(Bytes datagram, std::uint32_t seq);

}  // namespace netlink

// ifindex of the interface called name; throws SetupError (find_interface) when there is none.
unsigned interface_index(std::string_view name);

class Rtnetlink {
 public:
  // Throws SetupError (open_netlink).
  static Rtnetlink open();

  // Each call sends one request and waits (at most ~2 s) for its ACK. Throws SetupError
  // (configure_host) with the kernel's errno and extended-ack text.
  void add_address(std::string_view ifname, Ipv4Interface address);
  void change_link(std::string_view ifname, const LinkChange& change);

 private:
  struct Close {
    void operator()(mnl_socket* s) const;
  };
  explicit Rtnetlink(mnl_socket* s);
  void transact(std::span<const std::byte> request, std::uint32_t seq, std::string action, std::string_view ifname);

  std::unique_ptr<mnl_socket, Close> sock_;
  std::uint32_t seq_;
};

}  // namespace tapstack
