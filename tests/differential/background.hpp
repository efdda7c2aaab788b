#pragma once
// What the kernel sends on its own, whatever the case: frames the oracle does not record and
// pcap_compare ignores on the kernel's side (never on tapstack's, where such a frame is a DIFF).
//
// Kept are ARP, IPv4 and IPv6, except IPv6's housekeeping: MLD reports (ICMPv6 131 and 143)
// and done messages (132), which Linux sends whenever it joins or leaves a group and again on
// its own timers, and router solicitations (133). With IPv6 off (the IPv4 cases) none of these
// appear; with it on they come at times no case controls. Their absence from the answers
// means that a case which asks for one (an MLD query, say) cannot be written.
#include <cstddef>
#include <cstdint>
#include <span>

namespace tapstack::differential {

namespace background_detail {
inline unsigned octet(std::span<const std::byte> f, std::size_t i) { return std::to_integer<unsigned>(f[i]); }
}  // namespace background_detail

inline bool is_kernel_background(std::span<const std::byte> f) {
  using background_detail::octet;
  constexpr std::size_t kEth = 14, kIpv6Header = 40;
  if (f.size() < kEth) return true;
  const unsigned type = (octet(f, 12) << 8) | octet(f, 13);
  if (type == 0x0806 || type == 0x0800) return false;
  if (type != 0x86dd) return true;
  if (f.size() < kEth + kIpv6Header) return false;
  // MLD reports carry a hop-by-hop header (router alert) before the ICMPv6 header; walk the
  // few extension headers a kernel-made frame can have, with a bound.
  unsigned next = octet(f, kEth + 6);
  std::size_t at = kEth + kIpv6Header;
  for (int hops = 0; hops < 4 && (next == 0 || next == 60); ++hops) {
    if (f.size() < at + 2) return false;
    next = octet(f, at);
    at += (octet(f, at + 1) + 1) * 8;
  }
  if (next != 58 || f.size() < at + 1) return false;
  const unsigned icmp_type = octet(f, at);
  return icmp_type == 131 || icmp_type == 132 || icmp_type == 133 || icmp_type == 143;
}

}  // namespace tapstack::differential
