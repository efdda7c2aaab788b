#include "apps/report.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <string>

namespace tapstack {
namespace {

// "1.2s ago", or "-" for a time never set (Instant{} is what a fresh entry holds).
std::string ago(Instant then, Instant now) {
  if (then == Instant{}) return "-";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(now - then, Duration{0})).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%llds ago", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000 / 100));
  return buf;
}

// "599.9s", or "expired" once the entry's time is over.
std::string left(Instant expires, Instant now) {
  if (now >= expires) return "expired";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(expires - now).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%llds", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000 / 100));
  return buf;
}

}  // namespace

void print_counters(std::FILE* out, const Counters& counters) {
  std::size_t shown = 0;
  counters.for_each([&](const CounterInfo& info, std::uint64_t value) {
    if (value == 0) return;
    if (shown++ == 0) std::fprintf(out, "counters:\n");
    std::fprintf(out, "  %-28.*s %10" PRIu64 "  %.*s\n", static_cast<int>(info.name.size()), info.name.data(), value,
                 static_cast<int>(info.description.size()), info.description.data());
  });
  if (shown == 0) {
    std::fprintf(out, "counters: all zero\n");
    return;
  }
  std::fprintf(out, "  %-28s %10" PRIu64 "  %s\n", "(drops in total)", counters.total_drops(),
               "frames received and discarded, by the reasons above");
}

void print_kernel_link(std::FILE* out, const std::string& ifname, const std::expected<KernelLinkStats, std::string>& stats) {
  if (!stats) {
    std::fprintf(out, "kernel %s: statistics unavailable (%s)\n", ifname.c_str(), stats.error().c_str());
    return;
  }
  std::fprintf(out, "kernel %s: %" PRIu64 " frames dropped before tapstack read them (tx_dropped: the queue was full; "
                    "see --txqueuelen), %" PRIu64 " of ours dropped (rx_dropped)\n",
               ifname.c_str(), stats->tx_dropped, stats->rx_dropped);
}

namespace {

// One table for both caches: the address column as wide as the family's longest text.
template <class Addr>
void print_neighbour_table(std::FILE* out, const char* title, int width, std::span<const NeighbourEntry<Addr>> entries,
                           Instant now) {
  if (entries.empty()) {
    std::fprintf(out, "%s: empty\n", title);
    return;
  }
  std::fprintf(out, "%s: %zu %s\n", title, entries.size(), entries.size() == 1 ? "entry" : "entries");
  std::fprintf(out, "  %-*s  %-17s  %-10s  %-12s  %s\n", width, "address", "MAC", "state", "confirmed", "updated");
  for (const auto& n : entries) {
    const std::string mac = n.state == NeighbourState::incomplete ? "(incomplete)" : n.mac.to_string();
    const auto state = to_string(n.state);
    std::fprintf(out, "  %-*s  %-17s  %-10.*s  %-12s  %s\n", width, n.ip.to_string().c_str(), mac.c_str(),
                 static_cast<int>(state.size()), state.data(), ago(n.confirmed, now).c_str(), ago(n.updated, now).c_str());
  }
}

}  // namespace

void print_neighbours(std::FILE* out, std::span<const Neighbour> entries, Instant now) {
  print_neighbour_table<Ipv4Addr>(out, "ARP cache", 15, entries, now);
}

void print_neighbours(std::FILE* out, std::span<const Neighbour6> entries, Instant now) {
  // Most IPv6 addresses on a lab link are short (fd00::1, fe80::aff:fe00:2); a longer one only
  // pushes its own row out.
  print_neighbour_table<Ipv6Addr>(out, "NDP cache", 25, entries, now);
}

void print_ipv6_addresses(std::FILE* out, std::span<const OwnedIpv6Address> addresses) {
  if (addresses.empty()) return;
  std::fprintf(out, "IPv6 addresses:\n");
  for (const OwnedIpv6Address& a : addresses) {
    const auto state = to_string(a.state);
    std::fprintf(out, "  %-43s  %.*s\n", a.net.to_string().c_str(), static_cast<int>(state.size()), state.data());
  }
}

void print_path_mtus(std::FILE* out, std::span<const PathMtu> entries, Instant now) {
  if (entries.empty()) return;
  std::fprintf(out, "path MTU: %zu %s\n", entries.size(), entries.size() == 1 ? "destination" : "destinations");
  std::fprintf(out, "  %-15s  %-5s  %-6s  %-12s  %s\n", "address", "MTU", "locked", "learned", "expires in");
  for (const PathMtu& p : entries)
    std::fprintf(out, "  %-15s  %-5u  %-6s  %-12s  %s\n", p.dst.to_string().c_str(), unsigned{p.mtu}, p.locked ? "yes" : "no",
                 ago(p.updated, now).c_str(), left(p.expires, now).c_str());
}

}  // namespace tapstack
