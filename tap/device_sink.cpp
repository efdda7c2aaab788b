#include "tap/device_sink.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace tapstack {

void DeviceSink::emit(Bytes frame, Instant) {
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
      if (r.error != stats_.last_error) {
        // The driver refuses writes with EIO while the interface is administratively down.
        if (r.error == EIO)
          spdlog::warn("{} is down: frames to the host are dropped until it is up (`ip link set {} up`, or run with "
                       "--host-ip); further failures are counted, not logged",
                       device_.name(), device_.name());
        else
          spdlog::warn("write to {} failed: {}; further failures are counted, not logged", device_.name(),
                       std::strerror(r.error));
      }
      ++stats_.failed;
      stats_.last_error = r.error;
      return;
  }
}

}  // namespace tapstack
