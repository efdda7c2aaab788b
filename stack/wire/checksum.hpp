#pragma once
// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
#include "stack/wire/bytes.hpp"

#include <cstdint>

namespace tapstack {

// Accumulates the one's-complement sum of 16-bit big-endian words. Data may be added in pieces
// of any length: an odd piece is carried over so the result equals one pass over the whole.
class ChecksumAccumulator {
 public:
  void add(Bytes data);
  void add_be16(std::uint16_t word);
  void add_be32(std::uint32_t word) {
    add_be16(static_cast<std::uint16_t>(word >> 16));
    add_be16(static_cast<std::uint16_t>(word));
  }
  // The value to put in the checksum field: the complement of the folded sum.
  std::uint16_t finish() const;

 private:
  std::uint64_t sum_ = 0;  // native byte order (RFC 1071 §2(B)); swapped once in finish()
  bool odd_ = false;      // an odd number of bytes so far: the next byte starts mid-word
};

// RFC 1071 checksum of data. Over data that contains a correct checksum field the result is 0.
std::uint16_t internet_checksum(Bytes data);

// Any 64-bit one's-complement sum to 16 bits: the two halves added with end-around carry, twice
// (64 → 32 → 16 bits), as Linux's csum_fold() does the last step. Inline for the incremental
// update below, a handful of additions that a call would double.
inline std::uint16_t fold_ones_complement(std::uint64_t sum) {
  auto halves32 = static_cast<std::uint32_t>(sum);
  const auto high32 = static_cast<std::uint32_t>(sum >> 32);
  halves32 += high32;
  halves32 += halves32 < high32 ? 1u : 0u;
  auto halves16 = static_cast<std::uint16_t>(halves32);
  const auto high16 = static_cast<std::uint16_t>(halves32 >> 16);
  halves16 = static_cast<std::uint16_t>(halves16 + high16);
  halves16 = static_cast<std::uint16_t>(halves16 + (halves16 < high16 ? 1u : 0u));
  return halves16;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after one 16-bit word changes from
// old_word to new_word. It equals a recomputation except in one case it cannot see: when the
// new data (checksum field aside) is all zeros, it yields 0x0000 where only 0xffff verifies
// (a one's-complement sum is +0 only if every word is 0). A caller whose data can be all zeros
// uses fix_all_zero_checksum().
inline std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word, std::uint16_t new_word) {
  const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~checksum)} +
                            static_cast<std::uint16_t>(~old_word) + new_word;
  return static_cast<std::uint16_t>(~fold_ones_complement(sum));
}
std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value, std::uint32_t new_value);

// The checksum to store for data whose incrementally updated checksum is `checksum`, with the
// checksum field at checksum_at: 0xffff instead of 0x0000 when every other byte is zero. It
// scans the data only in that rare case.
std::uint16_t all_zero_checksum(Bytes data, std::size_t checksum_at);  // fix_all_zero_checksum's rare case
inline std::uint16_t fix_all_zero_checksum(std::uint16_t checksum, Bytes data, std::size_t checksum_at) {
  return checksum != 0 ? checksum : all_zero_checksum(data, checksum_at);
}

}  // namespace tapstack
