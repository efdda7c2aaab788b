#pragma once
// Everything that shapes the stack's behaviour, with Linux's names and defaults where Linux has
// the knob (sysctl names in comments), so a lab can flip one and compare with a real host.
#include "stack/wire/addr.hpp"
#include "stack/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <bitset>
#include <string>
#include <vector>

namespace tapstack {

// TAP carries Ethernet frames (ARP included); TUN carries bare IPv4 datagrams.
enum class LinkMode { tap, tun };

// The most neighbours a cache may be configured for (the CLI's --neigh-gc-thresh3 bound).
inline constexpr std::size_t max_neighbour_entries = std::size_t{1} << 20;

struct NeighbourConfig {
  std::size_t max_entries = 256;         // gc_thresh3 is the kernel's hard bound (1024)
  Duration reachable_time = 30s;         // base_reachable_time_ms (not randomised: replay is deterministic)
  Duration delay_first_probe = 5s;       // delay_first_probe_time
  Duration retrans_time = 1s;            // retrans_time_ms
  unsigned unicast_probes = 3;           // ucast_solicit
  unsigned multicast_probes = 3;         // mcast_solicit
  Duration gc_stale_time = 60s;          // gc_stale_time
  Duration locktime = 1s;                // locktime: first answer wins within this window
  std::size_t max_held_per_neighbour = 64;  // unres_qlen: 212992 bytes ≈ 64 full frames
  std::size_t max_held_total = 128;
};

struct IcmpConfig {
  bool echo_ignore_all = false;          // icmp_echo_ignore_all
  bool echo_ignore_broadcasts = true;    // icmp_echo_ignore_broadcasts
  Duration ratelimit = 1000ms;           // icmp_ratelimit (per destination)
  // icmp_ratelimit's mask: bit n = ICMP type n. Default: dest-unreachable, source-quench,
  // time-exceeded, parameter-problem (0x1818), as Linux.
  std::uint32_t ratemask = 0x1818;
  unsigned global_rate_per_sec = 1000;   // icmp_msgs_per_sec
  unsigned global_burst = 50;            // icmp_msgs_burst
};

// ICMPv6's knobs (net.ipv6.icmp.*, net.ipv6.conf.*.hop_limit). The global rate
// (icmp_msgs_per_sec, icmp_msgs_burst) is IcmpConfig's: Linux shares one bucket between families.
struct Icmpv6Config {
  std::uint8_t hop_limit = 64;           // conf.*.hop_limit: of every datagram we originate
  bool echo_ignore_all = false;          // icmp.echo_ignore_all
  bool echo_ignore_multicast = false;    // icmp.echo_ignore_multicast
  bool echo_ignore_anycast = false;      // icmp.echo_ignore_anycast (we own no anycast address)
  // icmp.ratelimit: per destination. 100 ms is what the differential oracle pins as Linux 6.x's
  // default, and Linux 6.18 answers a neighbour at that interval (v6_error_rate_limit_refill).
  Duration ratelimit = 100ms;
  // icmp.ratemask: bit n = ICMPv6 type n is rate limited. Default "0-1,3-127": every error but
  // packet too big (PMTU discovery must not be starved), no informational message.
  std::bitset<256> ratemask = default_icmpv6_ratemask();

  static std::bitset<256> default_icmpv6_ratemask() {
    std::bitset<256> mask;
    for (std::size_t type = 0; type < 128; ++type)
      if (type != 2) mask.set(type);
    return mask;
  }
};

struct ReassemblyConfig {
  Duration timeout = 30s;                // ipfrag_time
  std::size_t max_bytes = 4 * 1024 * 1024;  // ipfrag_high_thresh; IPv6 has a budget of its own as large
  Duration ipv6_timeout = 60s;           // ip6frag_time (IPV6_FRAG_TIMEOUT): IPv6 waits twice as long
};

// Path MTU discovery's memory (net.ipv4.route.*): what a "fragmentation needed" teaches us.
struct PathMtuConfig {
  std::uint16_t min_pmtu = 552;          // min_pmtu: a smaller report gives this, locked
  Duration mtu_expires = 600s;           // mtu_expires: how long a learned MTU lasts
  std::size_t max_entries = 256;         // Linux bounds exceptions per hash chain (5 deep); ours is total
};

// IPv6's addresses and NDP's start-up (net.ipv6.conf.*). The neighbour timings are shared with
// ARP (StackConfig::arp): Linux's nd_tbl and arp_tbl have the same defaults.
struct Ipv6Config {
  std::vector<Ipv6Interface> addresses;  // from --ip; none: IPv6 is off unless link_local
  bool link_local = true;                // TAP mode: also own fe80::/64 + modified EUI-64 of mac
  unsigned dad_transmits = 1;            // dad_transmits: NS probes per address when announce() runs
};

struct StackConfig {
  LinkMode mode = LinkMode::tap;
  MacAddr mac;                           // ignored in TUN mode
  Ipv4Interface ip;
  Ipv6Config ipv6;
  std::uint16_t mtu = 1500;
  bool arp_defend = false;               // RFC 5227 §2.4 (c) defence instead of Linux's silence
  NeighbourConfig arp;
  IcmpConfig icmp;
  Icmpv6Config icmpv6;
  ReassemblyConfig reassembly;
  PathMtuConfig pmtu;
  // Instant + wall_clock_offset = time since the Unix epoch, for ICMP timestamps (RFC 792 wants
  // milliseconds since midnight UT). Replay's instants already are epoch times (offset 0); the
  // live loop, which runs on CLOCK_MONOTONIC, sets CLOCK_REALTIME - CLOCK_MONOTONIC.
  Duration wall_clock_offset{};
};

// Why the core cannot run config, in one line naming the field and the limit it breaks; nullopt
// when it can. The CLI checks its own words first; this is for every other caller, so that
// nothing the core computes from the config (a buffer size, ICMP's quote room) can go wrong.
// (Not std::expected<void, std::string>: the fuzz build's clang 14 cannot instantiate a
// std::expected with a non-trivial error type; see tests/fuzz/run.sh.)
std::optional<std::string> config_error(const StackConfig& config);

// What Stack's constructor throws for a config config_error() refuses, with its message.
class StackConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A MAC that is the same every run for the same IP: locally administered, unicast, 02:00 then
// the four octets, so captures and the host's neighbour table are reproducible.
constexpr MacAddr default_mac_for(Ipv4Addr ip) {
  return {{0x02, 0x00, ip.octet(0), ip.octet(1), ip.octet(2), ip.octet(3)}};
}

}  // namespace tapstack
