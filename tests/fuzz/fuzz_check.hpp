#pragma once
// What every libFuzzer target here shares: a failure that says which invariant broke and aborts
// (libFuzzer then saves the input), and a reader that takes values off the front of an input.
//
// Targets compare wire accessors only through unsigned(...) (static_cast<unsigned>), so they
// compile whether an accessor returns an integer or a typed enum (EtherType, IpProtocol,
// IcmpType).
#include "stack/wire/bytes.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

namespace tapstack::fuzz {

[[noreturn]] inline void failf(const char* target, Bytes data, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// Prints "<target>: invariant violated: <message>" and up to 128 bytes of data, then aborts.
[[noreturn]] inline void failf(const char* target, Bytes data, const char* fmt, ...) {
  std::fprintf(stderr, "%s: invariant violated: ", target);
  std::va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  if (!data.empty()) {
    std::fprintf(stderr, "%s: bytes (%zu):", target, data.size());
    for (std::size_t i = 0; i < data.size() && i < 128; ++i) {
      std::fprintf(stderr, "%s%02x", i % 16 == 0 ? "\n  " : " ", std::to_integer<unsigned>(data[i]));
    }
    std::fputc('\n', stderr);
  }
  std::abort();
}

// Any accessor, integer or enum, as a number to compare or print.
template <class T>
constexpr unsigned u(T v) {
  return static_cast<unsigned>(v);
}

// Reads fixed-size values off the front of an input; past the end every value is 0, so a short
// input is still a valid one.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : rest_(data, size) {}
  explicit ByteReader(std::span<const std::uint8_t> data) : rest_(data) {}

  std::uint8_t u8() {
    if (rest_.empty()) return 0;
    const std::uint8_t v = rest_[0];
    rest_ = rest_.subspan(1);
    return v;
  }
  std::uint16_t be16() { return static_cast<std::uint16_t>((unsigned{u8()} << 8) | u8()); }
  std::uint32_t be32() { return (std::uint32_t{be16()} << 16) | be16(); }
  // Up to n bytes (fewer at the end).
  std::span<const std::uint8_t> take(std::size_t n) {
    const auto out = rest_.first(std::min(n, rest_.size()));
    rest_ = rest_.subspan(out.size());
    return out;
  }
  std::span<const std::uint8_t> rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }
  std::size_t size() const { return rest_.size(); }

 private:
  std::span<const std::uint8_t> rest_;
};

// A heap copy of exactly the input's size: reading one byte past it is an ASan report, not a
// silent read of whatever follows in libFuzzer's buffer.
inline std::vector<std::byte> exact_copy(std::span<const std::uint8_t> data) {
  std::vector<std::byte> out(data.size());
  std::transform(data.begin(), data.end(), out.begin(), [](std::uint8_t b) { return std::byte{b}; });
  return out;
}

}  // namespace tapstack::fuzz
