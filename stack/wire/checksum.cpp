#include "stack/wire/checksum.hpp"

#include <boost/endian/conversion.hpp>

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tapstack {
namespace {

// RFC 1071 §2(B): the one's-complement sum is byte-order independent, so we sum the bytes as
// native-order words straight from memory and swap once at the end, instead of swapping every
// word. Each 64-bit load is split into 32-bit halves added to two 64-bit sums: no carry can be
// lost before 2^32 additions, far beyond any datagram.
std::uint64_t native_sum(Bytes data) {
  const std::byte* p = data.data();
  const std::size_t n = data.size();
  std::uint64_t lo = 0, hi = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  // Two 16-byte loads per step, each widened from four 32-bit words to 64-bit lanes and added
  // to 64-bit accumulators: the same sums as the scalar loop below, half the instructions.
  const __m128i zero = _mm_setzero_si128();
  __m128i acc0 = zero, acc1 = zero;
  for (; i + 32 <= n; i += 32) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 16));
    acc0 = _mm_add_epi64(acc0, _mm_unpacklo_epi32(a, zero));
    acc1 = _mm_add_epi64(acc1, _mm_unpackhi_epi32(a, zero));
    acc0 = _mm_add_epi64(acc0, _mm_unpacklo_epi32(b, zero));
    acc1 = _mm_add_epi64(acc1, _mm_unpackhi_epi32(b, zero));
  }
  alignas(16) std::uint64_t lanes[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), acc0);
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes + 2), acc1);
  lo = lanes[0] + lanes[1];
  hi = lanes[2] + lanes[3];
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    lo += w & 0xffffffffu;
    hi += w >> 32;
  }
  if (i + 4 <= n) {
    std::uint32_t w;
    std::memcpy(&w, p + i, 4);
    lo += w;
    i += 4;
  }
  if (i + 2 <= n) {
    std::uint16_t w;
    std::memcpy(&w, p + i, 2);
    lo += w;
    i += 2;
  }
  if (i < n) {
    // The odd last byte is the first byte of a word whose second byte is zero, in memory order.
    std::uint16_t w = 0;
    std::memcpy(&w, p + i, 1);
    lo += w;
  }
  return lo + hi;  // both below 2^48: no overflow
}

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint16_t swap_bytes(std::uint16_t v) { return static_cast<std::uint16_t>((v >> 8) | (v << 8)); }

}  // namespace

void ChecksumAccumulator::add(Bytes data) {
  std::uint16_t piece = fold(native_sum(data));
  // A piece that starts mid-word has every byte in the other half of its word: its sum is the
  // byte-swapped sum (the same rotation Linux's csum_block_add applies at odd offsets).
  if (odd_) piece = swap_bytes(piece);
  sum_ += piece;
  if (data.size() % 2 != 0) odd_ = !odd_;
}

void ChecksumAccumulator::add_be16(std::uint16_t word) {
  // The word as it lies in memory, then placed like add() would place two bytes.
  std::uint16_t in_memory = boost::endian::native_to_big(word);
  if (odd_) in_memory = swap_bytes(in_memory);
  sum_ += in_memory;
}

std::uint16_t ChecksumAccumulator::finish() const {
  return static_cast<std::uint16_t>(~boost::endian::big_to_native(fold(sum_)));
}

std::uint16_t internet_checksum(Bytes data) {
  return static_cast<std::uint16_t>(~boost::endian::big_to_native(fold(native_sum(data))));
}

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word, std::uint16_t new_word) {
  const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~checksum)} +
                            static_cast<std::uint16_t>(~old_word) + new_word;
  return static_cast<std::uint16_t>(~fold(sum));
}

std::uint16_t fix_all_zero_checksum(std::uint16_t checksum, Bytes data, std::size_t checksum_at) {
  if (checksum != 0) return checksum;
  for (std::size_t i = 0; i < data.size(); ++i)
    if ((i < checksum_at || i >= checksum_at + 2) && data[i] != std::byte{0}) return checksum;
  return 0xffff;
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value, std::uint32_t new_value) {
  checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                               static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update16(checksum, static_cast<std::uint16_t>(old_value), static_cast<std::uint16_t>(new_value));
}

}  // namespace tapstack
