#pragma once
// The TUN/TAP interface as a Link, the bottom of `run`'s and `dump`'s chains: receive() is one
// read(2) into the link's own buffer, stamped with CLOCK_MONOTONIC; emit() is one write(2) to
// the host. A full queue drops the frame (counted): the loop never blocks on the host.
#include "link/link.hpp"
#include "tap/tun_device.hpp"

#include <cstdint>
#include <vector>

namespace tapstack {

struct TunLinkStats {
  std::uint64_t frames_read = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t written = 0;
  std::uint64_t dropped_would_block = 0;
  std::uint64_t write_errors = 0;
  int last_write_error = 0;  // errno of the latest failed write
};

class TunLink final : public Link {
 public:
  explicit TunLink(TunDevice& device);

  // The next frame the host sent, or nullopt when none is waiting or reading failed
  // (read_error()).
  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override;

  // --busy-poll: non-blocking reads, without sleeping, until a frame comes (receive() returns it
  // next) or until passes. True when a frame came.
  bool spin_for_frame(Instant until);

  // errno of the read that failed, 0 while reads work. After a failure receive() stops reading.
  int read_error() const { return read_error_; }
  const TunLinkStats& stats() const { return stats_; }

 private:
  TunDevice& device_;
  std::vector<std::byte> buffer_;  // the one receive buffer, reused for every frame
  TunLinkStats stats_;
  int read_error_ = 0;
  std::optional<ReceivedFrame> spun_;  // what spin_for_frame() read, in buffer_
};

}  // namespace tapstack
