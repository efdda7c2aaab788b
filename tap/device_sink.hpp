#pragma once
// The end of the outbound chain: each frame the stack emits becomes one write(2) to the TUN/TAP
// descriptor. A full queue drops the frame (counted): the loop never blocks on the host.
#include "stack/frame_sink.hpp"
#include "tap/tun_device.hpp"

#include <cstdint>

namespace tapstack {

struct DeviceWriteStats {
  std::uint64_t written = 0;
  std::uint64_t dropped_would_block = 0;
  std::uint64_t failed = 0;
  int last_error = 0;  // errno of the latest failure
};

class DeviceSink final : public FrameSink {
 public:
  explicit DeviceSink(TunDevice& device) : device_(device) {}
  void emit(Bytes frame, Instant now) override;
  const DeviceWriteStats& stats() const { return stats_; }

 private:
  TunDevice& device_;
  DeviceWriteStats stats_;
};

}  // namespace tapstack
