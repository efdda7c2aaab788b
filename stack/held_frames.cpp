#include "stack/held_frames.hpp"

#include <algorithm>

namespace tapstack {

HeldFrames::HeldFrames(std::size_t capacity, std::size_t per_neighbour, const TxRoom& room)
    : per_neighbour_(std::max<std::size_t>(per_neighbour, 1)),
      max_len_(room.max_len),
      slots_(std::max<std::size_t>(capacity, 1)) {
  buffers_.reserve(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) buffers_.emplace_back(room);
}

HeldFrames::Slot* HeldFrames::oldest(const NextHop& next_hop) {
  Slot* best = nullptr;
  for (auto& s : slots_)
    if (s.seq != 0 && s.next_hop == next_hop && (best == nullptr || s.seq < best->seq)) best = &s;
  return best;
}

HeldFrames::Slot* HeldFrames::oldest_any() {
  Slot* best = nullptr;
  for (auto& s : slots_)
    if (s.seq != 0 && (best == nullptr || s.seq < best->seq)) best = &s;
  return best;
}

std::size_t HeldFrames::hold(const NextHop& next_hop, Bytes datagram) {
  if (datagram.size() > max_len_) return 1;
  std::size_t dropped = 0;
  const auto mine = static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.seq != 0 && s.next_hop == next_hop; }));
  if (mine >= per_neighbour_) {
    oldest(next_hop)->seq = 0;
    ++dropped;
  }
  auto free = std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.seq == 0; });
  Slot* slot = free != slots_.end() ? &*free : oldest_any();
  if (free == slots_.end()) ++dropped;
  slot->next_hop = next_hop;
  slot->seq = next_seq_++;
  copy_bytes(buffer(*slot).start(datagram.size()), datagram);
  return dropped;
}

std::size_t HeldFrames::drop(const NextHop& next_hop) {
  std::size_t n = 0;
  for (auto& s : slots_)
    if (s.seq != 0 && s.next_hop == next_hop) {
      s.seq = 0;
      ++n;
    }
  return n;
}

std::size_t HeldFrames::size() const {
  return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.seq != 0; }));
}

}  // namespace tapstack
