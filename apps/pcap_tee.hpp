#pragma once
// `--pcap FILE`: every frame in and out, recorded with a wall-clock timestamp, then passed on.
#include "link/pcap_file.hpp"
#include "stack/frame_sink.hpp"

namespace tapstack {

class PcapTee final : public FrameSink {
 public:
  // wall_offset turns the stack's monotonic Instants into Unix time for the records.
  PcapTee(FrameSink& next, PcapWriter& writer, Duration wall_offset)
      : next_(next), writer_(writer), wall_offset_(wall_offset) {}

  void emit(Bytes frame, Instant now) override {
    record(frame, now);
    next_.emit(frame, now);
  }
  // Inbound frames do not pass through a sink; the loop records them here.
  void record(Bytes frame, Instant now) { writer_.write(frame, now + wall_offset_); }

 private:
  FrameSink& next_;
  PcapWriter& writer_;
  Duration wall_offset_;
};

}  // namespace tapstack
