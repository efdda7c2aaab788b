#pragma once
// Host-side configuration of an interface over rtnetlink (RFC 3549; linux/rtnetlink.h) through
// libmnl, doing what `ip addr replace` and `ip link set` do without running them. Every request
// asks for an ACK and waits for it, so a refusal surfaces here as a SetupError in words.
#include "stack/config.hpp"
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct mnl_socket;

namespace tapstack {

// What one RTM_NEWLINK changes; fields left unset are left alone.
struct LinkChange {
  std::optional<bool> up;
  std::optional<std::uint32_t> mtu;
  std::optional<MacAddr> mac;
  // IFLA_TXQLEN: on a TAP, the frames the host may queue for the reader (tun.c sizes its ring
  // from it) before the kernel drops them and counts tx_dropped.
  std::optional<std::uint32_t> txqueuelen;
};

// What `run` and `tap add` give an interface they create. A flood arrives in bursts as long as
// the sender's window: `ping -f -l 32 -s 65000` puts 32 datagrams of 45 fragments, 1 440 frames,
// in the queue at once, and with Linux's Ethernet default of 1000 (the tun driver's own is 500)
// the kernel dropped 2 777 of 13 500 fragments there (docs/performance.md); with 2048 it dropped
// none. An empty ring costs 16 KB of pointers; a full one holds at most 2048 frames.
inline constexpr std::uint32_t kFloodTxQueueLen = 2048;

// One TUN/TAP interface as rtnetlink describes it (RTM_NEWLINK with IFLA_LINKINFO kind "tun",
// filled by tun_fill_info() in drivers/net/tun.c): what `ip -d link show` prints. Read over
// netlink rather than from /sys/class/net/NAME/tun_flags, owner and group, because sysfs shows
// the network namespace it was mounted in: after `unshare --net` it still lists the host's.
struct TunLinkInfo {
  std::string name;
  unsigned index = 0;
  LinkMode mode = LinkMode::tap;
  std::optional<std::uint32_t> owner;  // IFLA_TUN_OWNER; absent when no owner is set
  std::optional<std::uint32_t> group;  // IFLA_TUN_GROUP; likewise
  bool persistent = false;             // IFF_PERSIST: outlives the last process attached
  bool packet_info = false;            // IFF_NO_PI clear (as the last attach asked): a 4-byte header per frame
  bool vnet_hdr = false;               // IFF_VNET_HDR
  bool multi_queue = false;            // IFF_MULTI_QUEUE
  bool up = false;                     // IFF_UP: administratively up
  // IFLA_CARRIER: the tun driver turns the carrier on when a process attaches (TUNSETIFF) and off
  // when the last queue detaches (__tun_detach), so it says whether anything is attached, to any
  // process that asks, in any PID namespace. Only TUNSETCARRIER, which nobody uses on a TAP they
  // want traffic on, can make it lie.
  bool carrier = false;
  std::uint8_t operstate = 0;  // IF_OPER_*, as `ip -br link` shows it
  std::uint32_t mtu = 0;
};

// The routing table entry a destination matches (RTM_GETROUTE with RTM_F_FIB_MATCH, as
// `ip route get fibmatch ADDR` shows it): not the host route the kernel would make up.
struct RouteMatch {
  Ipv4Interface destination;  // its network and prefix length; 0.0.0.0/0 is the default route
  unsigned oif = 0;           // RTA_OIF; 0 for a route without a device (unreachable, blackhole)
  std::optional<Ipv4Addr> gateway;
  bool linkdown = false;  // RTNH_F_LINKDOWN: the device has no carrier
  std::uint8_t type = 0;  // RTN_UNICAST, RTN_LOCAL, RTN_UNREACHABLE...
  bool local = false;     // RTN_LOCAL: the destination is an address of this host
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
// The same for AF_INET6 (`ip -6 addr replace ADDR/N dev X nodad`): IFA_LOCAL and IFA_ADDRESS, and
// IFA_F_NODAD in ifa_flags and IFA_FLAGS, so the address is usable at once instead of tentative
// for the host's DAD (a second at least, RFC 4862 §5.4). The kernel adds the prefix route itself.
std::size_t build_add_address(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              const Ipv6Interface& address);

// RTM_NEWLINK on an existing link: IFF_UP through ifi_flags/ifi_change, IFLA_MTU, IFLA_ADDRESS,
// IFLA_TXQLEN.
std::size_t build_change_link(std::span<std::byte> buffer, std::uint32_t seq, unsigned ifindex,
                              const LinkChange& change);

struct Ack {
  int error = 0;         // errno; 0 means the request succeeded
  std::string message;   // the kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it gave one
};

// Looks through one datagram from the kernel for the ACK of request seq. nullopt when the
// datagram holds no such ACK (keep reading). Never reads outside datagram, whatever it holds.
std::optional<Ack> find_ack(Bytes datagram, std::uint32_t seq);

// Requests that ask rather than change: RTM_GETLINK and RTM_GETADDR (AF_INET) dumps, and
// RTM_GETROUTE for one destination with RTM_F_FIB_MATCH.
std::size_t build_get_links(std::span<std::byte> buffer, std::uint32_t seq);
std::size_t build_get_ipv4_addresses(std::span<std::byte> buffer, std::uint32_t seq);
std::size_t build_get_route(std::span<std::byte> buffer, std::uint32_t seq, Ipv4Addr destination);

// Readers of one message each (message holds exactly one nlmsghdr and what it claims). nullopt
// for a message of another kind (not RTM_NEWLINK of kind "tun", not an AF_INET RTM_NEWADDR or
// RTM_NEWROUTE) or one that is cut short. Never read outside message.
std::optional<TunLinkInfo> parse_tun_link(Bytes message);
std::optional<unsigned> parse_ipv4_address_index(Bytes message);  // the ifindex an address is on
std::optional<RouteMatch> parse_route(Bytes message);

}  // namespace netlink

// ifindex of the interface called name; throws SetupError (find_interface) when there is none.
unsigned interface_index(std::string_view name);
// The name of ifindex, or "#N" when it has none (any more).
std::string interface_name(unsigned ifindex);

// The routing table entry that traffic to destination would take (`ip route get fibmatch`), or
// nullopt when nothing matches. Throws SetupError (open_netlink, read_host).
std::optional<RouteMatch> lookup_route(Ipv4Addr destination);

// True only when the kernel says ifname has no IPv4 address: false when it has one, and when
// there is no such interface or the kernel cannot be asked (best effort, never throws).
bool interface_lacks_ipv4_address(std::string_view ifname) noexcept;

class Rtnetlink {
 public:
  // Throws SetupError (open_netlink).
  static Rtnetlink open();

  // Each call sends one request and waits (at most ~2 s) for its ACK. Throws SetupError
  // (configure_host) with the kernel's errno and extended-ack text.
  void add_address(std::string_view ifname, Ipv4Interface address);
  void add_address(std::string_view ifname, const Ipv6Interface& address);
  void change_link(std::string_view ifname, const LinkChange& change);

  // Questions; each throws SetupError (read_host) when the kernel does not answer.
  std::vector<TunLinkInfo> tun_links();  // every TUN/TAP interface of this network namespace
  bool has_ipv4_address(unsigned ifindex);
  // nullopt when nothing matches (no default route either).
  std::optional<RouteMatch> route_to(Ipv4Addr destination);

 private:
  struct Close {
    void operator()(mnl_socket* s) const;
  };
  explicit Rtnetlink(mnl_socket* s);
  void transact(std::span<const std::byte> request, std::uint32_t seq, std::string action, std::string_view ifname);
  // Sends request and hands each reply message to each_message until the kernel's NLMSG_DONE
  // or ACK; returns the kernel's errno (0 when it answered in full).
  int query(std::span<const std::byte> request, std::uint32_t seq, const std::function<void(Bytes)>& each_message);

  std::unique_ptr<mnl_socket, Close> sock_;
  std::uint32_t seq_;
};

}  // namespace tapstack
