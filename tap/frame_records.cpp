#include "tap/frame_records.hpp"

#include <algorithm>
#include <cstring>

namespace tapstack {

FrameRecordReader::FrameRecordReader(FrameLimits limits)
    // Room for two of the longest records: one being handed over, the next arriving behind it.
    : limits_(limits), buffer_(2 * (kRecordHeaderLen + limits.max_len)) {}

MutableBytes FrameRecordReader::free_space() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return MutableBytes(buffer_).subspan(end_);
}

FrameRecordReader::Next FrameRecordReader::next() {
  if (broken_) return {Status::bad_length, {}, 0};
  const Bytes unread = Bytes(buffer_).subspan(begin_, end_ - begin_);
  if (unread.size() < kRecordHeaderLen) return {};
  const std::uint16_t length = load_be16(unread, 0);
  if (length < limits_.min_len || length > limits_.max_len) {
    broken_ = true;
    return {Status::bad_length, {}, length};
  }
  if (unread.size() < kRecordHeaderLen + length) return {Status::need_more, {}, length};
  begin_ += kRecordHeaderLen + length;
  return {Status::frame, unread.subspan(kRecordHeaderLen, length), length};
}

void put_record_header(std::span<std::byte, kRecordHeaderLen> header, std::size_t len) {
  store_be16(header, 0, static_cast<std::uint16_t>(len));
}

}  // namespace tapstack
