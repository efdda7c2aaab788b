// kernel_oracle: puts the Linux kernel where tapstack would be and records how it answers.
//
//   unshare -n kernel_oracle [--ipv6] [--grace-ms N] [--settle-ms N] INPUT.pcap OUTPUT.pcap
//
// Run it in a fresh network namespace (the scripts use `unshare -n`, or `unshare -r -n` without
// root): it refuses to start when the namespace has any interface besides lo or is PID 1's.
// Inside, it
//   1. pins every sysctl that shapes the answers to Linux's defaults (a new namespace inherits
//      some IPv4 settings from the host, e.g. forwarding and rp_filter), and disables IPv6 so
//      no router solicitation or MLD report appears, unless --ipv6 (the v6_ cases) asks for it:
//      then IPv6's sysctls are pinned instead, and dtap0 gets fd00::2/64 without DAD next to
//      the link-local address the kernel derives from its MAC (fe80::aff:fe00:2);
//   2. creates TAP "dtap0" (open /dev/net/tun, TUNSETIFF IFF_TAP|IFF_NO_PI) and configures it
//      with ioctls, the equivalent of
//        ip link set dev dtap0 address 02:00:0a:00:00:02
//        ip addr add 10.0.0.2/24 brd + dev dtap0 && ip link set dev dtap0 up && ip link set lo up
//      so the kernel is the host under test and the frames we write come from "the wire";
//   3. writes every frame of INPUT to the TAP at the input's relative times (the last frame is
//      the end-of-window marker, see cases.hpp), reads everything the kernel sends, and stops
//      --grace-ms (default 20) after the last frame;
//   4. writes the kernel's frames to OUTPUT, timestamped on INPUT's clock (first input frame's
//      time + elapsed), leaving out the kernel's background (background.hpp: MLD reports,
//      router solicitations, EtherTypes other than ARP, IPv4 and IPv6), which is counted and
//      reported on stderr, never recorded.
// The neighbour entry for the peer is not faked: cases that need one start with the peer's own
// ARP request (or, for IPv6, its neighbour solicitation), exactly as tapstack receives it.
#include "tap/unique_fd.hpp"
#include "link/pcap_file.hpp"
#include "tests/differential/background.hpp"
#include "tests/differential/cases.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tapstack::differential {
namespace {

constexpr const char* kTapName = "dtap0";
constexpr std::int64_t kMaxDurationMs = 120'000;  // a bound on any one case

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "kernel_oracle: %s\n", msg.c_str());
  std::exit(1);
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// --- the namespace guard --------------------------------------------------------------------

void require_private_namespace() {
  char self[64] = {}, init[64] = {};
  const ssize_t a = ::readlink("/proc/self/ns/net", self, sizeof self - 1);
  const ssize_t b = ::readlink("/proc/1/ns/net", init, sizeof init - 1);
  if (a > 0 && b > 0 && std::strcmp(self, init) == 0)
    die("refusing to run in PID 1's network namespace; run me under `unshare -n` (see README.md)");
  struct if_nameindex* names = ::if_nameindex();
  if (names == nullptr) die(errno_text("if_nameindex"));
  std::string others;
  for (const struct if_nameindex* n = names; n->if_index != 0; ++n)
    if (std::strcmp(n->if_name, "lo") != 0) others += std::string(" ") + n->if_name;
  ::if_freenameindex(names);
  if (!others.empty())
    die("refusing to run: this network namespace already has interfaces (" + others.substr(1) +
        "); run me in a fresh one, under `unshare -n`");
}

// --- sysctls ----------------------------------------------------------------------------------

// Writes value to /proc/sys/<key>; succeeds also when the write is refused but the value is
// already right (some knobs are read-only in a user-namespace-owned netns). Missing knobs that
// are allowed to be missing (older kernels, IPv6 compiled out) are skipped.
void set_sysctl(const std::string& key, const std::string& value, bool optional = false) {
  const std::string path = "/proc/sys/" + key;
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && optional) return;
    // Read-only in this namespace: accept the value if it is already the one we want.
    const int ro = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ro < 0) {
      if (optional) return;
      die(errno_text("cannot open " + path));
    }
    char buf[64] = {};
    const ssize_t n = ::read(ro, buf, sizeof buf - 1);
    ::close(ro);
    std::string have(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!have.empty() && (have.back() == '\n' || have.back() == ' ')) have.pop_back();
    if (have != value) die(path + " is " + have + ", must be " + value + ", and cannot be written here");
    return;
  }
  const std::string line = value + "\n";
  const ssize_t w = ::write(fd, line.data(), line.size());
  const int err = errno;
  ::close(fd);
  if (w != static_cast<ssize_t>(line.size())) {
    errno = err;
    if (optional) return;
    die(errno_text("cannot write " + value + " to " + path));
  }
}

// Per-interface IPv4 settings, applied to all, default and (once it exists) the TAP: Linux
// uses the stricter or the larger of all/<dev> for most, so both must hold the default.
void set_ipv4_conf(const std::string& dev) {
  const std::string p = "net/ipv4/conf/" + dev + "/";
  set_sysctl(p + "forwarding", "0");
  set_sysctl(p + "rp_filter", "0");
  set_sysctl(p + "accept_source_route", "0");
  set_sysctl(p + "accept_local", "0");
  set_sysctl(p + "route_localnet", "0");
  set_sysctl(p + "log_martians", "0");
  set_sysctl(p + "proxy_arp", "0");
  set_sysctl(p + "arp_filter", "0");
  set_sysctl(p + "arp_ignore", "0");
  set_sysctl(p + "arp_announce", "0");
  set_sysctl(p + "arp_accept", "0");
  set_sysctl(p + "arp_notify", "0");
  set_sysctl(p + "drop_gratuitous_arp", "0");
  set_sysctl(p + "drop_unicast_in_l2_multicast", "0");
  set_sysctl(p + "bc_forwarding", "0", true);
  set_sysctl(p + "accept_redirects", "1");
  set_sysctl(p + "secure_redirects", "1");
}

// Per-interface IPv6 settings, for all, default (which the TAP copies when it is created) and
// the TAP. Linux's defaults, except where a default would make the answers depend on timing or
// on chance: no DAD (the address must answer at once, as tapstack's does with --no-announce),
// no router solicitations and no RAs accepted (no router exists on this link).
void set_ipv6_conf(const std::string& dev) {
  const std::string p = "net/ipv6/conf/" + dev + "/";
  set_sysctl(p + "disable_ipv6", "0");
  set_sysctl(p + "forwarding", "0");
  set_sysctl(p + "accept_dad", "0");
  set_sysctl(p + "dad_transmits", "1");
  set_sysctl(p + "optimistic_dad", "0", true);
  set_sysctl(p + "enhanced_dad", "1", true);
  set_sysctl(p + "router_solicitations", "0");
  set_sysctl(p + "accept_ra", "0");
  set_sysctl(p + "autoconf", "0");
  set_sysctl(p + "addr_gen_mode", "0");  // EUI-64: fe80::aff:fe00:2
  set_sysctl(p + "use_tempaddr", "0");
  set_sysctl(p + "hop_limit", "64");
  set_sysctl(p + "accept_redirects", "1");
  set_sysctl(p + "accept_source_route", "0");
  set_sysctl(p + "ndisc_notify", "0");
  set_sysctl(p + "ndisc_tclass", "0", true);
  set_sysctl(p + "drop_unsolicited_na", "0", true);
  set_sysctl(p + "accept_untracked_na", "0", true);
  set_sysctl(p + "drop_unicast_in_l2_multicast", "0", true);
  set_sysctl(p + "suppress_frag_ndisc", "1", true);
  set_sysctl(p + "force_mld_version", "0", true);
  set_sysctl(p + "proxy_ndp", "0");
  set_sysctl(p + "seg6_enabled", "0", true);
  set_sysctl(p + "rpl_seg_enabled", "0", true);
  set_sysctl(p + "ioam6_enabled", "0", true);
}

void pin_ipv6_sysctls() {
  set_ipv6_conf("all");
  set_ipv6_conf("default");
  set_sysctl("net/ipv6/icmp/ratelimit", "100");  // ms; Linux 6.x's default (it was 1000 before)
  set_sysctl("net/ipv6/icmp/ratemask", "0-1,3-127");
  set_sysctl("net/ipv6/icmp/echo_ignore_all", "0");
  set_sysctl("net/ipv6/icmp/echo_ignore_multicast", "0");
  set_sysctl("net/ipv6/icmp/echo_ignore_anycast", "0");
  set_sysctl("net/ipv6/icmp/error_anycast_as_unicast", "0", true);
  // Linux's default (1) puts a hash keyed by a per-boot secret in the flow label of every
  // reply: no two recordings, and no other host, could agree on it.
  set_sysctl("net/ipv6/auto_flowlabels", "0");
  set_sysctl("net/ipv6/flowlabel_reflect", "0");
  set_sysctl("net/ipv6/anycast_src_echo_reply", "0", true);
  set_sysctl("net/ipv6/ip6frag_time", "60");
  set_sysctl("net/ipv6/ip6frag_high_thresh", "4194304");
  set_sysctl("net/ipv6/ip6frag_low_thresh", "3145728");
  set_sysctl("net/ipv6/max_dst_opts_number", "8", true);
  set_sysctl("net/ipv6/max_hbh_opts_number", "8", true);
}

void pin_namespace_sysctls(bool ipv6) {
  if (ipv6) {
    pin_ipv6_sysctls();
  } else {
    // No IPv6 at all on the TAP (it inherits "default"): no RS, no MLD, no DAD.
    set_sysctl("net/ipv6/conf/all/disable_ipv6", "1", true);
    set_sysctl("net/ipv6/conf/default/disable_ipv6", "1", true);
  }
  set_ipv4_conf("all");
  set_ipv4_conf("default");
  set_sysctl("net/ipv4/ip_forward", "0");
  set_sysctl("net/ipv4/ip_default_ttl", "64");
  set_sysctl("net/ipv4/ip_no_pmtu_disc", "0");
  set_sysctl("net/ipv4/icmp_echo_ignore_all", "0");
  set_sysctl("net/ipv4/icmp_echo_ignore_broadcasts", "1");
  set_sysctl("net/ipv4/icmp_echo_enable_probe", "0", true);
  set_sysctl("net/ipv4/icmp_ignore_bogus_error_responses", "1");
  set_sysctl("net/ipv4/icmp_errors_use_inbound_ifaddr", "0");
  set_sysctl("net/ipv4/icmp_ratelimit", "1000");
  set_sysctl("net/ipv4/icmp_ratemask", "6168");  // 0x1818
  set_sysctl("net/ipv4/icmp_msgs_per_sec", "1000");
  set_sysctl("net/ipv4/icmp_msgs_burst", "50");
  set_sysctl("net/ipv4/ipfrag_time", "30");
  set_sysctl("net/ipv4/ipfrag_max_dist", "64");
  set_sysctl("net/ipv4/ipfrag_high_thresh", "4194304");
  set_sysctl("net/ipv4/ipfrag_low_thresh", "3145728");
}

// ARP timing lives in the device's neighbour parameters, copied at creation from the global
// defaults (which the host may have changed): pin the values tapstack's NeighbourConfig uses.
// NDP's nd_tbl has ARP's timings except locktime (0 for nd_tbl, 1 s for arp_tbl).
void pin_neighbour_sysctls(const std::string& family, const char* locktime) {
  const std::string n = "net/" + family + "/neigh/" + kTapName + "/";
  set_sysctl(n + "base_reachable_time_ms", "30000");
  set_sysctl(n + "delay_first_probe_time", "5");
  set_sysctl(n + "retrans_time_ms", "1000");
  set_sysctl(n + "ucast_solicit", "3");
  set_sysctl(n + "mcast_solicit", "3");
  set_sysctl(n + "mcast_resolicit", "0", true);
  set_sysctl(n + "app_solicit", "0");
  set_sysctl(n + "gc_stale_time", "60");
  set_sysctl(n + "locktime", locktime);  // in 1/100 s
}

void pin_tap_sysctls(bool ipv6) {
  set_ipv4_conf(kTapName);
  pin_neighbour_sysctls("ipv4", "100");
  if (ipv6) {
    set_ipv6_conf(kTapName);
    set_sysctl(std::string("net/ipv6/conf/") + kTapName + "/mtu", "1500");
    pin_neighbour_sysctls("ipv6", "0");
  }
}

// --- the TAP ----------------------------------------------------------------------------------

void ioctl_or_die(int fd, unsigned long request, ifreq& ifr, const char* what) {
  if (::ioctl(fd, request, &ifr) < 0) die(errno_text(std::string(what) + " on " + kTapName));
}

ifreq named_ifreq(const char* name) {
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  return ifr;
}

void set_ipv4(int sock, unsigned long request, Ipv4Addr a, const char* what) {
  ifreq ifr = named_ifreq(kTapName);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(a.value);
  static_assert(sizeof sin <= sizeof ifr.ifr_addr);
  std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
  ioctl_or_die(sock, request, ifr, what);
}

void bring_up(int sock, const char* name) {
  ifreq ifr = named_ifreq(name);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) die(errno_text(std::string("SIOCGIFFLAGS on ") + name));
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) die(errno_text(std::string("SIOCSIFFLAGS on ") + name));
}

int open_tap() {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die(errno_text("open /dev/net/tun"));
  ifreq ifr = named_ifreq(kTapName);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) die(errno_text("TUNSETIFF"));
  return fd;
}

// Like `ip addr add fd00::2/64 dev dtap0 nodad`: accept_dad=0 makes it usable at once.
void add_ipv6_address() {
  const tapstack::UniqueFd sock6(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock6.get() < 0) die(errno_text("socket(AF_INET6)"));
  in6_ifreq req{};
  std::memcpy(&req.ifr6_addr, kHostIp6.octets.data(), kHostIp6.octets.size());
  req.ifr6_prefixlen = kHostPrefix6;
  req.ifr6_ifindex = static_cast<int>(::if_nametoindex(kTapName));
  if (req.ifr6_ifindex == 0) die(errno_text("if_nametoindex"));
  if (::ioctl(sock6.get(), SIOCSIFADDR, &req) < 0) die(errno_text(std::string("SIOCSIFADDR (IPv6) on ") + kTapName));
}

void configure_tap(bool ipv6) {
  const tapstack::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) die(errno_text("socket"));
  ifreq ifr = named_ifreq(kTapName);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(ifr.ifr_hwaddr.sa_data, kHostMac.octets.data(), kHostMac.octets.size());
  ioctl_or_die(sock.get(), SIOCSIFHWADDR, ifr, "SIOCSIFHWADDR");
  ifr = named_ifreq(kTapName);
  ifr.ifr_mtu = 1500;
  ioctl_or_die(sock.get(), SIOCSIFMTU, ifr, "SIOCSIFMTU");
  pin_tap_sysctls(ipv6);
  // SIOCSIFADDR sets the classful mask and broadcast; SIOCSIFNETMASK then makes it a /24 with
  // broadcast 10.0.0.255, like `ip addr add 10.0.0.2/24 brd +`.
  set_ipv4(sock.get(), SIOCSIFADDR, kHostIp, "SIOCSIFADDR");
  set_ipv4(sock.get(), SIOCSIFNETMASK, Ipv4Addr{~std::uint32_t{0} << (32 - kHostPrefix)}, "SIOCSIFNETMASK");
  if (ipv6) add_ipv6_address();
  bring_up(sock.get(), "lo");
  bring_up(sock.get(), kTapName);
}

// --- playback and capture ---------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

struct InputFrame {
  std::vector<std::byte> data;
  std::int64_t offset_ns;  // from the first frame
};

struct Recorder {
  PcapWriter& out;
  std::int64_t base_ns;  // the first input frame's capture time
  Clock::time_point start;
  unsigned recorded = 0;
  unsigned background = 0;

  void on_frame(const std::byte* data, std::size_t len) {
    if (is_kernel_background(std::span(data, len))) {
      const unsigned type = len >= 14 ? (std::to_integer<unsigned>(data[12]) << 8) | std::to_integer<unsigned>(data[13]) : 0;
      ++background;
      std::fprintf(stderr, "kernel_oracle: background frame ignored: EtherType 0x%04x, %zu bytes\n", type, len);
      return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    out.write(Bytes(data, len), instant_from_ns(base_ns + elapsed));
    ++recorded;
  }
};

// Reads every frame the kernel has queued on the TAP.
void drain(int fd, Recorder* rec) {
  std::vector<std::byte> buf(65536 + 64);
  for (int i = 0; i < 100000; ++i) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die(errno_text("read from the TAP"));
    }
    if (rec != nullptr) {
      rec->on_frame(buf.data(), static_cast<std::size_t>(n));
    } else {
      std::fprintf(stderr, "kernel_oracle: frame sent before the case started, ignored (%zd bytes)\n", n);
    }
  }
}

// Reads the TAP until `until`.
void listen_until(int fd, Clock::time_point until, Recorder* rec) {
  for (;;) {
    drain(fd, rec);
    const auto now = Clock::now();
    if (now >= until) return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left) + 1);
  }
}

std::vector<InputFrame> read_input(const std::string& path, std::int64_t& base_ns) {
  auto reader = PcapReader::open(path);
  if (!reader) die(reader.error());
  if (reader->link_type() != CaptureLinkType::ethernet) die(path + ": link type " + reader->link_type_name() + " is not Ethernet");
  std::vector<InputFrame> frames;
  for (;;) {
    auto next = reader->next();
    if (!next) die(path + ": " + next.error());
    if (!next->has_value()) break;
    const CapturedFrame& f = **next;
    if (frames.empty()) base_ns = to_ns(f.timestamp);
    const std::int64_t offset = to_ns(f.timestamp) - base_ns;
    if (offset < 0 || (!frames.empty() && offset < frames.back().offset_ns)) die(path + ": timestamps go backwards");
    frames.push_back({std::vector<std::byte>(f.data.begin(), f.data.end()), offset});
  }
  if (frames.empty()) die(path + ": no frames");
  if (frames.back().offset_ns > kMaxDurationMs * 1'000'000) die(path + ": longer than the 120 s bound");
  return frames;
}

struct Options {
  std::string input;
  std::string output;
  std::int64_t grace_ms = 20;
  std::int64_t settle_ms = 100;
  bool ipv6 = false;
};

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--grace-ms" || a == "--settle-ms") && i + 1 < argc) {
      (a == "--grace-ms" ? o.grace_ms : o.settle_ms) = std::strtoll(argv[++i], nullptr, 10);
    } else if (a == "--ipv6") {
      o.ipv6 = true;
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: unshare -n kernel_oracle [--ipv6] [--grace-ms N] [--settle-ms N] INPUT.pcap OUTPUT.pcap\n");
      std::exit(0);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2 || o.grace_ms < 0 || o.grace_ms > 5000 || o.settle_ms < 0 || o.settle_ms > 5000) {
    std::fprintf(stderr, "usage: unshare -n kernel_oracle [--ipv6] [--grace-ms N] [--settle-ms N] INPUT.pcap OUTPUT.pcap\n");
    std::exit(2);
  }
  o.input = positional[0];
  o.output = positional[1];
  return o;
}

int run(const Options& o) {
  std::int64_t base_ns = 0;
  const auto frames = read_input(o.input, base_ns);

  require_private_namespace();
  pin_namespace_sysctls(o.ipv6);
  const tapstack::UniqueFd tap(open_tap());
  configure_tap(o.ipv6);

  auto writer = PcapWriter::create(o.output, CaptureLinkType::ethernet);
  if (!writer) die(writer.error());

  // Let the interface settle; anything the kernel says on its own now is not an answer.
  listen_until(tap.get(), Clock::now() + std::chrono::milliseconds(o.settle_ms), nullptr);

  Recorder rec{*writer, base_ns, Clock::now()};
  unsigned refused = 0;
  for (const InputFrame& f : frames) {
    listen_until(tap.get(), rec.start + std::chrono::nanoseconds(f.offset_ns), &rec);
    const ssize_t n = ::write(tap.get(), f.data.data(), f.data.size());
    if (n != static_cast<ssize_t>(f.data.size())) {
      ++refused;
      std::fprintf(stderr, "kernel_oracle: the TAP refused a %zu-byte frame at +%lld ms: %s\n", f.data.size(),
                   static_cast<long long>(f.offset_ns / 1'000'000), n < 0 ? std::strerror(errno) : "short write");
    }
  }
  listen_until(tap.get(), rec.start + std::chrono::nanoseconds(frames.back().offset_ns) + std::chrono::milliseconds(o.grace_ms),
               &rec);
  if (auto r = writer->close(); !r) die(r.error());
  std::fprintf(stderr, "kernel_oracle: %s: %zu frames in (%u refused by the TAP), %u recorded, %u background ignored\n",
               o.input.c_str(), frames.size(), refused, rec.recorded, rec.background);
  return 0;
}

}  // namespace
}  // namespace tapstack::differential

int main(int argc, char** argv) { return tapstack::differential::run(tapstack::differential::parse_args(argc, argv)); }
