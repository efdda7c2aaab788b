#include "stack/checksum.hpp"

namespace tapstack {
namespace {

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

void ChecksumAccumulator::add(Bytes data) {
  std::size_t i = 0;
  if (odd_ && !data.empty()) {
    sum_ += load_u8(data, 0);
    odd_ = false;
    i = 1;
  }
  // 32-bit loads into a 64-bit sum: the carries fold out at the end (RFC 1071 §4.1's
  // "deferred carries"), and a 64-bit sum cannot overflow for any datagram we can hold.
  for (; i + 4 <= data.size(); i += 4) sum_ += load_be32(data, i);
  for (; i + 2 <= data.size(); i += 2) sum_ += load_be16(data, i);
  if (i < data.size()) {
    sum_ += std::uint64_t{load_u8(data, i)} << 8;
    odd_ = true;
  }
}

void ChecksumAccumulator::add_be16(std::uint16_t word) {
  if (!odd_) {
    sum_ += word;
    return;
  }
  // After an odd piece the word straddles two sum words: its high byte completes the pending
  // word and its low byte opens the next one, which stays pending.
  sum_ += word >> 8;
  sum_ += std::uint64_t{static_cast<std::uint8_t>(word)} << 8;
}

std::uint16_t ChecksumAccumulator::finish() const { return static_cast<std::uint16_t>(~fold(sum_)); }

std::uint16_t internet_checksum(Bytes data) {
  ChecksumAccumulator acc;
  acc.add(data);
  return acc.finish();
}

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word, std::uint16_t new_word) {
  const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~checksum)} +
                            static_cast<std::uint16_t>(~old_word) + new_word;
  return static_cast<std::uint16_t>(~fold(sum));
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value, std::uint32_t new_value) {
  checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                               static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update16(checksum, static_cast<std::uint16_t>(old_value), static_cast<std::uint16_t>(new_value));
}

}  // namespace tapstack
