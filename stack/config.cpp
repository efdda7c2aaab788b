#include "stack/config.hpp"

#include <string>

namespace tapstack {
namespace {

// RFC 791 §3.2: every internet module must be able to forward a datagram of 68 octets without
// further fragmentation (Linux: IPV4_MIN_MTU). Below it a 60-byte header leaves no 8-byte
// fragment, and an ICMP error with 40 bytes of options has no room at all.
constexpr unsigned kMinMtu = 68;

}  // namespace

std::optional<std::string> config_error(const StackConfig& config) {
  // mtu is 16 bits wide: it cannot exceed 65535, the largest datagram.
  if (config.mtu < kMinMtu)
    return "mtu " + std::to_string(config.mtu) + " is below " + std::to_string(kMinMtu) +
           ", the least an IPv4 link may carry (RFC 791)";

  const Ipv4Interface& ip = config.ip;
  if (ip.prefix_len > 32) return "ip prefix /" + std::to_string(ip.prefix_len) + " is over 32";
  const std::string addr = "ip " + ip.addr.to_string();
  if (ip.addr.is_unspecified()) return addr + " is unspecified: the stack needs an address of its own";
  if (ip.addr.is_multicast()) return addr + " is multicast, which no host can own";
  if (ip.is_broadcast(ip.addr)) return addr + "/" + std::to_string(ip.prefix_len) + " is a broadcast address";
  if (ip.addr.is_loopback()) return addr + " is loopback, which never leaves a host";

  // TUN has no link layer, so no MAC.
  if (config.mode == LinkMode::tap) {
    const std::string mac = "mac " + config.mac.to_string();
    if (config.mac.is_zero()) return mac + " is all zero: a TAP interface needs a unicast MAC";
    if (config.mac.is_group())
      return mac + " is a group (multicast or broadcast) address: a TAP interface needs a unicast MAC";
  }

  // The tables are sized from these once; a zero bound could hold nothing.
  if (config.arp.max_entries == 0) return "arp.max_entries is 0: the neighbour cache needs at least 1";
  // Slots are numbered in 32 bits; the bound also keeps the index (2 to 4 buckets per entry) sane.
  if (config.arp.max_entries > max_neighbour_entries)
    return "arp.max_entries is " + std::to_string(config.arp.max_entries) + ": at most " +
           std::to_string(max_neighbour_entries);
  if (config.arp.max_held_total == 0) return "arp.max_held_total is 0: holding needs room for at least 1 datagram";
  if (config.arp.max_held_per_neighbour == 0)
    return "arp.max_held_per_neighbour is 0: holding needs room for at least 1 datagram";
  if (config.reassembly.max_bytes == 0) return "reassembly.max_bytes is 0: reassembly needs room for a datagram";
  if (config.pmtu.max_entries == 0) return "pmtu.max_entries is 0: the path MTU table needs at least 1";
  // Linux's min_pmtu sysctl refuses values below IPV4_MIN_MTU for the same reason as the MTU.
  if (config.pmtu.min_pmtu < kMinMtu)
    return "pmtu.min_pmtu " + std::to_string(config.pmtu.min_pmtu) + " is below " + std::to_string(kMinMtu) +
           ", the least an IPv4 link may carry (RFC 791)";
  if (config.pmtu.mtu_expires < Duration{0}) return "pmtu.mtu_expires is negative";
  // Linux's conf.*.hop_limit takes 1..255: a datagram with hop limit 0 cannot leave the host.
  if (config.icmpv6.hop_limit == 0) return "icmpv6.hop_limit is 0: a datagram must be allowed at least 1 hop";
  if (config.icmpv6.ratelimit < Duration{0}) return "icmpv6.ratelimit is negative";
  return std::nullopt;
}

}  // namespace tapstack
