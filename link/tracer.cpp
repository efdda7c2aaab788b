#include "link/tracer.hpp"

#include <spdlog/spdlog.h>

namespace tapstack {

std::optional<ReceivedFrame> Tracer::receive() {
  auto frame = inner().receive();
  if (frame) trace("in ", frame->data);
  return frame;
}

void Tracer::emit(Bytes frame, Instant now) {
  trace("out", frame);
  inner().emit(frame, now);
}

void Tracer::trace(const char* direction, Bytes frame) {
  spdlog::logger* log = spdlog::default_logger_raw();
  if (!log->should_log(spdlog::level::debug)) return;
  line_.clear();
  append_frame_description(line_, frame, framing_);
  if (log->should_log(spdlog::level::trace))
    log->trace("{} {}\n{}", direction, line_, hex_dump(frame));
  else
    log->debug("{} {}", direction, line_);
}

}  // namespace tapstack
