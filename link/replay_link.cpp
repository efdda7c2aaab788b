#include "link/replay_link.hpp"

namespace tapstack {

std::optional<ReceivedFrame> ReplayLink::receive() {
  if (error_) return std::nullopt;
  auto next = input_.next();
  if (!next) {
    error_ = std::move(next.error());
    return std::nullopt;
  }
  if (!*next) return std::nullopt;
  const CapturedFrame& f = **next;
  if (f.original_len > f.data.size()) ++cut_short_;
  return ReceivedFrame{f.data, f.timestamp};
}

}  // namespace tapstack
