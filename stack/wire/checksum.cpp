#include "stack/wire/checksum.hpp"

#include <boost/endian/conversion.hpp>

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tapstack {
namespace {

// One's-complement addition of 64-bit words: the carry out of the top goes back in at the
// bottom (end-around carry). Mod 2^64 - 1, a multiple of 2^16 - 1, so the folded result is the
// sum of the 16-bit words, wherever in the 64 bits each one sits (RFC 1071 §2(C)). The compiler
// makes it an add and an adc.
inline std::uint64_t add_with_carry(std::uint64_t sum, std::uint64_t word) {
  sum += word;
  return sum + (sum < word ? 1 : 0);
}

std::uint64_t load_u64(const std::byte* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// RFC 1071 §2(B): the one's-complement sum is byte-order independent, so we sum the bytes as
// native-order words straight from memory and swap once at the end, instead of swapping every
// word. Headers (20-60 bytes) and echo data take the 64-bit loop: 8 bytes per add-with-carry,
// no set-up. Long data takes SSE2 first, where its set-up pays for itself.
std::uint64_t native_sum(Bytes data) {
  const std::byte* p = data.data();
  std::size_t n = data.size();
  // An IPv4 header without options, checked on every datagram in and built for every one out:
  // three loads, no loop.
  if (n == 20) {
    std::uint32_t last;
    std::memcpy(&last, p + 16, 4);
    return add_with_carry(add_with_carry(load_u64(p), load_u64(p + 8)), last);
  }
  std::uint64_t sum = 0;
#if defined(__SSE2__)
  if (n >= 256) {
    // Two 16-byte loads per step, each widened from four 32-bit words to 64-bit lanes and
    // added to 64-bit accumulators: no carry is lost before 2^32 steps, far beyond a datagram.
    const __m128i zero = _mm_setzero_si128();
    __m128i acc0 = zero, acc1 = zero;
    for (; n >= 32; p += 32, n -= 32) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
      acc0 = _mm_add_epi64(acc0, _mm_unpacklo_epi32(a, zero));
      acc1 = _mm_add_epi64(acc1, _mm_unpackhi_epi32(a, zero));
      acc0 = _mm_add_epi64(acc0, _mm_unpacklo_epi32(b, zero));
      acc1 = _mm_add_epi64(acc1, _mm_unpackhi_epi32(b, zero));
    }
    alignas(16) std::uint64_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), acc0);
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes + 2), acc1);
    sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];  // each below 2^48: no overflow
  }
#endif
  for (; n >= 32; p += 32, n -= 32) {
    sum = add_with_carry(sum, load_u64(p));
    sum = add_with_carry(sum, load_u64(p + 8));
    sum = add_with_carry(sum, load_u64(p + 16));
    sum = add_with_carry(sum, load_u64(p + 24));
  }
  for (; n >= 8; p += 8, n -= 8) sum = add_with_carry(sum, load_u64(p));
  std::uint64_t tail = 0;  // at most 7 bytes: no carry to lose
  if (n >= 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    tail += w;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t w;
    std::memcpy(&w, p, 2);
    tail += w;
    p += 2;
    n -= 2;
  }
  if (n != 0) {
    // The odd last byte is the first byte of a word whose second byte is zero, in memory order.
    std::uint16_t w = 0;
    std::memcpy(&w, p, 1);
    tail += w;
  }
  return add_with_carry(sum, tail);
}

std::uint16_t swap_bytes(std::uint16_t v) { return static_cast<std::uint16_t>((v >> 8) | (v << 8)); }

}  // namespace

void ChecksumAccumulator::add(Bytes data) {
  std::uint16_t piece = fold_ones_complement(native_sum(data));
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
  return static_cast<std::uint16_t>(~boost::endian::big_to_native(fold_ones_complement(sum_)));
}

std::uint16_t internet_checksum(Bytes data) {
  return static_cast<std::uint16_t>(~boost::endian::big_to_native(fold_ones_complement(native_sum(data))));
}

std::uint16_t all_zero_checksum(Bytes data, std::size_t checksum_at) {
  for (std::size_t i = 0; i < data.size(); ++i)
    if ((i < checksum_at || i >= checksum_at + 2) && data[i] != std::byte{0}) return 0;
  return 0xffff;
}

std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value, std::uint32_t new_value) {
  checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                               static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update16(checksum, static_cast<std::uint16_t>(old_value), static_cast<std::uint16_t>(new_value));
}

}  // namespace tapstack
