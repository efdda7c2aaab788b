#pragma once
// The kernel's statistics of an interface (rtnetlink RTM_GETLINK, IFLA_STATS64), as `ip -s link`
// shows them: asked by `tapstack status` itself, so the running instance (under its seccomp
// filter) need not.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tapstack {

struct KernelLinkStats {
  std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  std::uint64_t rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0;
};

// The kernel's side: "tx" is what the host sent into the interface (frames the stack reads).
std::expected<KernelLinkStats, std::string> kernel_link_stats(std::string_view ifname);

}  // namespace tapstack
