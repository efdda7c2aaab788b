#pragma once
// Frames waiting for ARP resolution (Linux's per-neighbour arp_queue). A fixed pool carved out
// at construction: holding a frame copies it into a free slot and never allocates.
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstdint>
#include <vector>

namespace tapstack {

class HeldFrames {
 public:
  HeldFrames(std::size_t capacity, std::size_t per_neighbour, std::size_t max_frame_len);

  // Keeps a copy of frame until next_hop resolves. Like Linux's unres_qlen, a neighbour over
  // its share loses its oldest frame; a full pool loses its oldest frame overall. Returns the
  // number of frames dropped to make room (frames longer than a slot are dropped themselves).
  std::size_t hold(Ipv4Addr next_hop, Bytes frame);

  // Hands each frame held for next_hop to send(MutableBytes), oldest first, and frees it.
  template <class Send>
  std::size_t release(Ipv4Addr next_hop, Send&& send);

  // Frees every frame held for next_hop; returns how many.
  std::size_t drop(Ipv4Addr next_hop);

  std::size_t size() const;

 private:
  struct Slot {
    Ipv4Addr next_hop;
    std::uint32_t len = 0;
    std::uint64_t seq = 0;  // arrival order; 0 = free
  };
  Slot* oldest(Ipv4Addr next_hop);  // oldest slot held for next_hop
  Slot* oldest_any();
  MutableBytes data(const Slot& s);

  std::size_t per_neighbour_;
  std::size_t max_frame_len_;
  std::vector<Slot> slots_;
  std::vector<std::byte> storage_;
  std::uint64_t next_seq_ = 1;
};

template <class Send>
std::size_t HeldFrames::release(Ipv4Addr next_hop, Send&& send) {
  std::size_t n = 0;
  while (Slot* s = oldest(next_hop)) {
    send(data(*s));
    s->seq = 0;
    ++n;
  }
  return n;
}

}  // namespace tapstack
