#include "tap/udp_transport.hpp"

#include "tap/clock.hpp"
#include "tap/socket_setup.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapstack {
namespace {

// Datagrams dropped in one receive() before it lets the loop look at its other descriptors.
constexpr int kDropBudget = 64;

}  // namespace

UdpTransport::UdpTransport(Endpoint local, Endpoint remote, FrameLimits limits)
    : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)), limits_(limits), buffer_(limits.max_len + 1) {
  if (!fd_) throw TransportError(std::string("cannot create a UDP socket: ") + std::strerror(errno));
  bind_or_throw(fd_.get(), local, "UDP");
  connect_or_throw(fd_.get(), remote, "UDP");
}

std::optional<ReceivedFrame> UdpTransport::receive() {
  for (int dropped = 0; dropped < kDropBudget;) {
    const ssize_t n = ::read(fd_.get(), buffer_.data(), buffer_.size());
    if (n < 0) {
      // The peer's host answered an earlier datagram with port unreachable: it is not running
      // (yet). Not an error of ours; the next datagram may find it.
      if (errno == ECONNREFUSED) {
        ++stats_.unreachable;
        ++dropped;
        continue;
      }
      return std::nullopt;  // EAGAIN, or an error the next read reports again
    }
    const auto len = static_cast<std::size_t>(n);
    if (len < limits_.min_len) {
      ++stats_.too_short;
      ++dropped;
      continue;
    }
    if (len > limits_.max_len) {  // the buffer has one byte more than a frame may have
      ++stats_.too_long;
      ++dropped;
      continue;
    }
    ++stats_.frames_in;
    stats_.bytes_in += len;
    return ReceivedFrame{Bytes(buffer_.data(), len), monotonic_now()};
  }
  return std::nullopt;
}

void UdpTransport::emit(Bytes frame, Instant) {
  if (::write(fd_.get(), frame.data(), frame.size()) >= 0) {
    ++stats_.frames_out;
    stats_.bytes_out += frame.size();
    return;
  }
  if (errno == EAGAIN || errno == ENOBUFS) ++stats_.busy;
  else if (errno == ECONNREFUSED) ++stats_.unreachable;
  else ++stats_.send_errors;
}

}  // namespace tapstack
