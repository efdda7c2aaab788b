#pragma once
// A packet being built for output, innermost layer first, as Linux builds an skb
// (skb_reserve, then skb_push per header): the payload is written behind room for every header
// that will go in front of it, each header is pushed in front of what is there, and the frame
// is padded with zeros to the link's minimum in room kept behind it. The buffer is sized once,
// at construction: building a packet never allocates, and no caller counts offsets.
//
//   |<---------- headroom ---------->|<----------- max_len ------------>|
//   +--------------+-----------------+---------------------+------------+
//   |   (unused)   | pushed headers  | first written part  | (unused),  |
//   |              | (IP, Ethernet)  | (payload/datagram)  | padding    |
//   +--------------+-----------------+---------------------+------------+
//                  ^ data() begins                         ^ data() ends
#include "stack/wire/bytes.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <vector>

namespace tapstack {

// How much a TxBuffer holds.
struct TxRoom {
  std::size_t headroom = 0;       // the most the headers pushed in front of a packet take
  std::size_t max_len = 0;        // the longest first-written part
  std::size_t min_frame_len = 0;  // shorter frames are padded with zeros to this length
};

class TxBuffer {
 public:
  explicit TxBuffer(const TxRoom& room);
  // The packet is kept as pointers into the storage: a move keeps them right (the storage
  // moves with them), a copy would not.
  TxBuffer(const TxBuffer&) = delete;
  TxBuffer& operator=(const TxBuffer&) = delete;
  TxBuffer(TxBuffer&&) noexcept = default;
  TxBuffer& operator=(TxBuffer&&) noexcept = default;

  // Starts a new packet whose first-written part is len bytes (at most max_len), behind the
  // whole headroom, and returns those bytes for the caller to fill.
  MutableBytes start(std::size_t len) {
    assert(len <= max_len_);
    begin_ = storage_.data() + headroom_;
    end_ = begin_ + len;
    return {begin_, end_};
  }
  // Puts len bytes in front of the packet (at most what is left of the headroom) and returns
  // them, for a header.
  MutableBytes push(std::size_t len) {
    assert(len <= static_cast<std::size_t>(begin_ - storage_.data()));
    begin_ -= len;
    return {begin_, len};
  }

  Bytes data() const { return {begin_, end_}; }
  std::size_t size() const { return static_cast<std::size_t>(end_ - begin_); }
  // The packet, then zeros up to the minimum frame length: what the link sends. A NIC pads in
  // hardware; a TAP or a capture does not, so we do.
  Bytes frame() {
    if (size() >= min_frame_len_) return data();
    std::fill(end_, begin_ + min_frame_len_, std::byte{0});
    return {begin_, min_frame_len_};
  }

 private:
  std::vector<std::byte> storage_;
  std::size_t headroom_;
  std::size_t max_len_;
  std::size_t min_frame_len_;
  std::byte* begin_;  // the packet is [begin_, end_)
  std::byte* end_;
};

}  // namespace tapstack
