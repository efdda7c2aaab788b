#pragma once
// Datagrams waiting for neighbour resolution (Linux's per-neighbour arp_queue), by ARP or NDP:
// one pool for both families, so the total bound holds whatever mix is waiting. A fixed pool of
// transmit buffers made at construction: holding a datagram copies it into a free one and never
// allocates. A held datagram has no link header yet; it gets one, with the MAC that resolution
// found, in its own buffer's headroom when it is released.
#include "stack/tx_buffer.hpp"
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstdint>
#include <variant>
#include <vector>

namespace tapstack {

// The neighbour a datagram waits for: an IPv4 address resolved by ARP or an IPv6 one by NDP.
using NextHop = std::variant<Ipv4Addr, Ipv6Addr>;

class HeldFrames {
 public:
  // room: each held datagram's buffer (the link header's headroom, the MTU, the link's minimum).
  HeldFrames(std::size_t capacity, std::size_t per_neighbour, const TxRoom& room);

  // Keeps a copy of datagram until next_hop resolves. Like Linux's unres_qlen, a neighbour over
  // its share loses its oldest datagram; a full pool loses its oldest datagram overall. Returns
  // the number of datagrams dropped to make room (one longer than room.max_len is dropped itself).
  std::size_t hold(const NextHop& next_hop, Bytes datagram);

  // Hands the buffer of each datagram held for next_hop to send(TxBuffer&), oldest first, and
  // frees it.
  template <class Send>
  std::size_t release(const NextHop& next_hop, Send&& send);

  // Frees every datagram held for next_hop; returns how many.
  std::size_t drop(const NextHop& next_hop);

  std::size_t size() const;

 private:
  struct Slot {
    NextHop next_hop;
    std::uint64_t seq = 0;  // arrival order; 0 = free
  };
  Slot* oldest(const NextHop& next_hop);  // oldest slot held for next_hop
  Slot* oldest_any();
  TxBuffer& buffer(const Slot& s) { return buffers_[static_cast<std::size_t>(&s - slots_.data())]; }

  std::size_t per_neighbour_;
  std::size_t max_len_;
  std::vector<Slot> slots_;
  std::vector<TxBuffer> buffers_;  // buffers_[i] holds slots_[i]'s datagram
  std::uint64_t next_seq_ = 1;
};

template <class Send>
std::size_t HeldFrames::release(const NextHop& next_hop, Send&& send) {
  std::size_t n = 0;
  while (Slot* s = oldest(next_hop)) {
    send(buffer(*s));
    s->seq = 0;
    ++n;
  }
  return n;
}

}  // namespace tapstack
