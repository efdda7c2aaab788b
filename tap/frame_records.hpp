#pragma once
// The TCP tunnel's stream as records: each frame preceded by its length, 2 bytes big-endian
// (RFC 1006's TPKT and OpenVPN's TCP mode do the same). A length the link cannot carry means the
// stream is not what we think it is: the reader stops there for good (bad_length) and the caller
// resets the connection, rather than guess where the next record starts. Pure: no descriptor,
// so it is tested without sockets. The buffer is sized once; nothing is allocated per frame.
#include "stack/wire/bytes.hpp"
#include "tap/tunnel_transport.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapstack {

inline constexpr std::size_t kRecordHeaderLen = 2;

class FrameRecordReader {
 public:
  explicit FrameRecordReader(FrameLimits limits);

  // Where the next bytes of the stream go (never empty while no bad length was seen): the
  // buffer's free room, after moving what is unread to its start.
  MutableBytes free_space();
  // n bytes were written into free_space().
  void commit(std::size_t n) { end_ += n; }

  enum class Status { frame, need_more, bad_length };
  struct Next {
    Status status = Status::need_more;
    Bytes frame;               // Status::frame: valid until the next free_space() or reset()
    std::uint16_t length = 0;  // the length read (Status::frame and Status::bad_length)
  };
  Next next();

  // A new stream: a new connection.
  void reset() { begin_ = end_ = 0; broken_ = false; }

 private:
  FrameLimits limits_;
  std::vector<std::byte> buffer_;
  std::size_t begin_ = 0;  // the first unread byte
  std::size_t end_ = 0;    // one past the last byte read from the stream
  bool broken_ = false;
};

// Writes the record header for a frame of len bytes (len at most 65535).
void put_record_header(std::span<std::byte, kRecordHeaderLen> header, std::size_t len);

}  // namespace tapstack
