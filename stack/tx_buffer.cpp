#include "stack/tx_buffer.hpp"

namespace tapstack {

// A frame starts at or after the storage's start and is at least min_frame_len long once
// padded, so headroom + max(max_len, min_frame_len) bytes always hold it.
TxBuffer::TxBuffer(const TxRoom& room)
    : storage_(room.headroom + std::max(room.max_len, room.min_frame_len)),
      headroom_(room.headroom),
      max_len_(room.max_len),
      min_frame_len_(room.min_frame_len),
      begin_(storage_.data() + room.headroom),
      end_(begin_) {}

}  // namespace tapstack
