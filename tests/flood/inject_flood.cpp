// inject_flood: the flood (flood_frames.hpp) sent live, from the host side of a TAP, to the
// `tapstack run` behind it, for tests/live/flood_million.sh. Only ever run inside the test's own
// network namespace.
//
//   inject_flood IFNAME FRAMES SECONDS [PID]
//
// Writes FRAMES frames to an AF_PACKET socket bound to IFNAME (the kernel hands each to the TAP,
// and so to the stack), stopping early after SECONDS. A TAP drops what its reader has not taken
// once its queue is full (tx_dropped), so the pace follows the reader: whenever the interface's
// tx_dropped grew, the injector pauses longer between batches, and less when it did not. With
// PID, it samples VmRSS and VmHWM from /proc/PID/status every 10 000 frames and once at the end:
//
//   sample FRAMES VMRSS_KB VMHWM_KB
//   injected SENT of FRAMES in MS ms (RATE/s), SEND_ERRORS send errors, TX_DROPPED dropped by the TAP
//
// Exit: 0 done (even if stopped by SECONDS: the line says how many were sent), 1 a failure
// (socket, interface, /proc), 2 usage.
#include "flood_frames.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace {

using namespace tapstack;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBatch = 64;             // frames between two looks at the clock
constexpr std::size_t kDropCheckEvery = 1024;  // frames between two reads of tx_dropped
constexpr std::size_t kSampleEvery = 10'000;
constexpr auto kMaxPause = std::chrono::microseconds(5000);

bool parse_number(std::string_view text, unsigned long long& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// The interface's tx_dropped (what the TAP dropped, its queue full), or -1. From /proc/net/dev,
// which is this network namespace's: /sys/class/net is the namespace's that mounted /sys.
long long tx_dropped(const std::string& ifname) {
  std::ifstream in("/proc/net/dev");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto name_at = line.find_first_not_of(' ');
    if (line.compare(name_at, colon - name_at, ifname) != 0 || colon - name_at != ifname.size()) continue;
    // Eight receive fields, then transmit: bytes, packets, errs, drop.
    std::istringstream fields(line.substr(colon + 1));
    std::array<long long, 12> v{};
    for (auto& field : v) fields >> field;
    return fields ? v[11] : -1;
  }
  return -1;
}

// "VmRSS:" and "VmHWM:" of /proc/PID/status in kB; false when the process is gone.
bool memory_of(const std::string& pid, long long& rss_kb, long long& hwm_kb) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string key;
  rss_kb = hwm_kb = -1;
  while (in >> key) {
    if (key == "VmRSS:") in >> rss_kb;
    else if (key == "VmHWM:") in >> hwm_kb;
    else in.ignore(1 << 16, '\n');
  }
  return rss_kb >= 0 && hwm_kb >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned long long frames = 0, seconds = 0;
  if ((argc != 4 && argc != 5) || !parse_number(argv[2], frames) || !parse_number(argv[3], seconds)) {
    std::fprintf(stderr, "usage: inject_flood IFNAME FRAMES SECONDS [PID]\n");
    return 2;
  }
  const std::string ifname = argv[1];
  const std::string pid = argc == 5 ? argv[4] : "";

  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) {
    std::fprintf(stderr, "inject_flood: no interface %s: %s\n", ifname.c_str(), std::strerror(errno));
    return 1;
  }
  // Protocol 0: this socket only sends, so the kernel queues nothing it receives for it.
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) {
    std::fprintf(stderr, "inject_flood: AF_PACKET socket: %s\n", std::strerror(errno));
    return 1;
  }
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    std::fprintf(stderr, "inject_flood: bind to %s: %s\n", ifname.c_str(), std::strerror(errno));
    return 1;
  }

  const auto sample = [&](unsigned long long n) {
    if (pid.empty()) return true;
    long long rss = 0, hwm = 0;
    if (!memory_of(pid, rss, hwm)) {
      std::fprintf(stderr, "inject_flood: cannot read /proc/%s/status (did tapstack exit?)\n", pid.c_str());
      return false;
    }
    std::printf("sample %llu %lld %lld\n", n, rss, hwm);
    std::fflush(stdout);
    return true;
  };

  flood::FloodGenerator flood;
  const long long dropped_at_start = tx_dropped(ifname);
  if (dropped_at_start < 0) {
    std::fprintf(stderr, "inject_flood: no %s in /proc/net/dev\n", ifname.c_str());
    return 1;
  }
  long long dropped_seen = dropped_at_start;
  auto pause = std::chrono::microseconds(0);
  unsigned long long sent = 0, errors = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  while (sent < frames && Clock::now() < deadline) {
    for (std::size_t i = 0; i < kBatch && sent < frames; ++i) {
      Instant at;
      const Bytes frame = flood.next(at);
      if (send(fd, frame.data(), frame.size(), 0) < 0) {
        ++errors;  // ENOBUFS: the queue before the TAP is full; the frame counts as sent and lost
        if (errno != ENOBUFS && errno != EAGAIN) {
          std::fprintf(stderr, "inject_flood: send: %s\n", std::strerror(errno));
          return 1;
        }
      }
      ++sent;
      if (sent % kDropCheckEvery == 0) {
        const long long dropped = tx_dropped(ifname);
        pause = dropped > dropped_seen ? std::min<std::chrono::microseconds>(std::max(pause * 2, std::chrono::microseconds(50)), kMaxPause)
                                       : pause * 3 / 4;
        dropped_seen = dropped;
      }
      if (sent % kSampleEvery == 0 && !sample(sent)) return 1;
    }
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  // Let the stack take what is still queued before the last sample.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  if (!sample(sent)) return 1;
  std::printf("injected %llu of %llu in %lld ms (%lld/s), %llu send errors, %lld dropped by the TAP\n", sent, frames,
              static_cast<long long>(ms), ms > 0 ? static_cast<long long>(sent * 1000 / static_cast<unsigned long long>(ms)) : 0,
              errors, tx_dropped(ifname) - dropped_at_start);
  close(fd);
  return 0;
}
