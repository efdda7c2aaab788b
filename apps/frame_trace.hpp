#pragma once
// Frames in the log: `-v` one decoded line per frame in and out, `-vv` a hex dump under it.
// `run` leaves this layer out entirely when neither level is on.
#include "stack/config.hpp"
#include "stack/frame_sink.hpp"

namespace tapstack {

enum class Direction { in, out };

void trace_frame(Direction direction, Bytes frame, LinkMode mode);

// Logs each frame the stack emits, then passes it on.
class TraceSink final : public FrameSink {
 public:
  TraceSink(FrameSink& next, LinkMode mode) : next_(next), mode_(mode) {}
  void emit(Bytes frame, Instant now) override {
    trace_frame(Direction::out, frame, mode_);
    next_.emit(frame, now);
  }

 private:
  FrameSink& next_;
  LinkMode mode_;
};

}  // namespace tapstack
