#include "apps/frame_trace.hpp"

#include "describe/describe.hpp"

#include <spdlog/spdlog.h>

namespace tapstack {

void trace_frame(Direction direction, Bytes frame, LinkMode mode) {
  spdlog::logger* log = spdlog::default_logger_raw();
  if (!log->should_log(spdlog::level::debug)) return;
  const char* dir = direction == Direction::in ? "in " : "out";
  const std::string line = describe_frame(frame, mode == LinkMode::tap ? Framing::ethernet : Framing::ip);
  if (log->should_log(spdlog::level::trace))
    log->trace("{} {}\n{}", dir, line, hex_dump(frame));
  else
    log->debug("{} {}", dir, line);
}

}  // namespace tapstack
