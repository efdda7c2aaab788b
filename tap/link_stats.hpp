#pragma once
// The kernel's statistics of an interface (rtnetlink RTM_GETLINK, IFLA_STATS64), as `ip -s link`
// shows them: asked by `tapstack status` itself, so the running instance (under its seccomp
// filter) need not.
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace tapstack {

struct KernelLinkStats {
  std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  std::uint64_t rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0;
};

// The kernel's side: "tx" is what the host sent into the interface (frames the stack reads).
std::expected<KernelLinkStats, std::string> kernel_link_stats(std::string_view ifname);

// The same question asked again and again by `run` (its report at exit and on SIGUSR1), so a user
// sees when the kernel, not tapstack, lost frames: tx_dropped counts frames the host sent that
// found the TAP's queue full (the stack did not read them in time; --txqueuelen sizes it). The
// socket is opened before the privilege drop; each question then takes only write(2) and read(2),
// which the seccomp allow-list has.
class KernelLinkStatsReader {
 public:
  // Throws SetupError (open_netlink) when the socket cannot be had.
  static KernelLinkStatsReader open(unsigned ifindex);
  std::expected<KernelLinkStats, std::string> read();

  KernelLinkStatsReader(KernelLinkStatsReader&&) noexcept;
  KernelLinkStatsReader& operator=(KernelLinkStatsReader&&) noexcept;
  ~KernelLinkStatsReader();

 private:
  struct Socket;
  explicit KernelLinkStatsReader(std::unique_ptr<Socket> socket);
  std::unique_ptr<Socket> socket_;
};

}  // namespace tapstack
