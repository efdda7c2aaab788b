// live_probe: what a sender sees when it reaches a closed port, for the live tests.
//
//   live_probe udp ADDR PORT   connected UDP socket, one datagram; the ICMP port unreachable must
//                              surface as ECONNREFUSED on recv within 2 s  -> "refused", exit 0
//   live_probe tcp ADDR PORT   non-blocking connect; the RST must refuse it within 2 s
//                              -> "refused after N ms", exit 0 if N < 1000 ("at once")
//
// Anything else prints what happened and exits 1; bad usage exits 2. Every wait is a bounded poll.
#include "tap/unique_fd.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBoundMs = 2000;
constexpr long kAtOnceMs = 1000;

long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

int fail(const char* what, int err) {
  std::printf("%s: %s\n", what, std::strerror(err));
  return 1;
}

// Waits (bounded by the time left until the deadline) for EVENTS; returns poll's revents, 0 on timeout.
short wait_for(int fd, short events, Clock::time_point start) {
  for (;;) {
    const long left = kBoundMs - ms_since(start);
    if (left <= 0) return 0;
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return p.revents;
    if (n == 0) return 0;
    if (errno != EINTR) return POLLERR;
  }
}

int probe_udp(const sockaddr_in& to) {
  tapstack::UniqueFd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (s.get() < 0) return fail("socket", errno);
  // A connected socket is the one that learns about ICMP errors (udp(7): ECONNREFUSED).
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return fail("connect", errno);
  const auto start = Clock::now();
  static constexpr char kPayload[] = "tapstack live probe";
  if (::send(s.get(), kPayload, sizeof kPayload - 1, 0) < 0) return fail("send", errno);
  const short revents = wait_for(s.get(), POLLIN, start);
  if (revents == 0) {
    std::printf("no answer within %d ms (no port unreachable reached the socket)\n", kBoundMs);
    return 1;
  }
  char buf[256];
  const ssize_t n = ::recv(s.get(), buf, sizeof buf, MSG_DONTWAIT);
  const long elapsed = ms_since(start);
  if (n < 0 && errno == ECONNREFUSED) {
    std::printf("refused after %ld ms\n", elapsed);
    return 0;
  }
  if (n < 0) return fail("recv", errno);
  std::printf("unexpected: a %zd-byte datagram came back after %ld ms\n", n, elapsed);
  return 1;
}

int probe_tcp(const sockaddr_in& to) {
  tapstack::UniqueFd s{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.get() < 0) return fail("socket", errno);
  const auto start = Clock::now();
  int err = 0;
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) err = errno;
  if (err == EINPROGRESS) {
    if (wait_for(s.get(), POLLOUT, start) == 0) {
      std::printf("connect still pending after %d ms (no RST: the SYN went unanswered)\n", kBoundMs);
      return 1;
    }
    socklen_t len = sizeof err;
    if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return fail("getsockopt", errno);
  }
  const long elapsed = ms_since(start);
  if (err == 0) {
    std::printf("unexpected: connected after %ld ms\n", elapsed);
    return 1;
  }
  if (err != ECONNREFUSED) {
    std::printf("connect failed after %ld ms: %s (expected ECONNREFUSED)\n", elapsed, std::strerror(err));
    return 1;
  }
  std::printf("refused after %ld ms\n", elapsed);
  if (elapsed >= kAtOnceMs) {
    std::printf("too slow: refused, but not at once (limit %ld ms)\n", kAtOnceMs);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto usage = [] {
    std::fprintf(stderr, "usage: live_probe udp|tcp ADDR PORT\n");
    return 2;
  };
  if (argc != 4) return usage();
  const std::string_view mode{argv[1]};
  const std::string_view port_text{argv[3]};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) return usage();
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) return usage();
  if (mode == "udp") return probe_udp(to);
  if (mode == "tcp") return probe_tcp(to);
  return usage();
}
