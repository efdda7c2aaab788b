#include "apps/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace tapstack {

void configure_logging(int verbosity, bool quiet) {
  auto logger = spdlog::stderr_color_mt("tapstack");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%H:%M:%S.%f %^%-5l%$ %v");
  const auto level = quiet            ? spdlog::level::warn
                     : verbosity >= 2 ? spdlog::level::trace
                     : verbosity == 1 ? spdlog::level::debug
                                      : spdlog::level::info;
  spdlog::set_level(level);
  // A warning reaches the terminal (or a test's log file) before the program goes on or dies.
  spdlog::flush_on(spdlog::level::warn);
}

}  // namespace tapstack
