#include "tap/tun_link.hpp"

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tap/clock.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace tapstack {
namespace {

// Room for the largest frame a TUN/TAP can hand us (a datagram as large as the largest MTU the
// driver takes, 65535, IPv4 or IPv6 alike, an Ethernet header and a VLAN tag), so the kernel
// never cuts one short.
constexpr std::size_t kFrameBufferLen = kIpv4MaxDatagramLen + kEthernetHeaderLen + kVlanTagLen;

}  // namespace

TunLink::TunLink(TunDevice& device) : device_(device), buffer_(kFrameBufferLen) {}

std::optional<ReceivedFrame> TunLink::receive() {
  if (read_error_ != 0) return std::nullopt;
  const IoResult r = device_.read(buffer_);
  switch (r.status) {
    case IoStatus::ok:
      ++stats_.frames_read;
      stats_.bytes_read += r.size;
      return ReceivedFrame{Bytes(buffer_.data(), r.size), monotonic_now()};
    case IoStatus::would_block:
      return std::nullopt;
    case IoStatus::failed:
      read_error_ = r.error;
      return std::nullopt;
  }
  return std::nullopt;
}

void TunLink::emit(Bytes frame, Instant) {
  const IoResult r = device_.write(frame);
  switch (r.status) {
    case IoStatus::ok:
      ++stats_.written;
      return;
    case IoStatus::would_block:
      ++stats_.dropped_would_block;
      return;
    case IoStatus::failed:
      // Warn once per distinct errno rather than per frame: a link that is down fails every write.
      if (r.error != stats_.last_write_error) {
        // The driver refuses writes with EIO while the interface is administratively down.
        if (r.error == EIO)
          spdlog::warn("{} is down: frames to the host are dropped until it is up (`ip link set {} up`, or run with "
                       "--host-ip); further failures are counted, not logged",
                       device_.name(), device_.name());
        else
          spdlog::warn("write to {} failed: {}; further failures are counted, not logged", device_.name(),
                       std::strerror(r.error));
      }
      ++stats_.write_errors;
      stats_.last_write_error = r.error;
      return;
  }
}

}  // namespace tapstack
