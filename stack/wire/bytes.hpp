#pragma once
// Byte spans and Boost.Endian access to wire fields. Frames are never reinterpreted as structs:
// a field is read by copying its bytes out (the compiler turns that into one load).
#include <boost/endian/conversion.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace tapstack {

using Bytes = std::span<const std::byte>;
using MutableBytes = std::span<std::byte>;

// Callers check the span's length before any of these (parse() does it once per header).
inline std::uint8_t load_u8(Bytes b, std::size_t at) { return std::to_integer<std::uint8_t>(b[at]); }
inline std::uint16_t load_be16(Bytes b, std::size_t at) {
  return boost::endian::load_big_u16(reinterpret_cast<const unsigned char*>(b.data() + at));
}
inline std::uint32_t load_be32(Bytes b, std::size_t at) {
  return boost::endian::load_big_u32(reinterpret_cast<const unsigned char*>(b.data() + at));
}
inline void store_u8(MutableBytes b, std::size_t at, std::uint8_t v) { b[at] = std::byte{v}; }
inline void store_be16(MutableBytes b, std::size_t at, std::uint16_t v) {
  boost::endian::store_big_u16(reinterpret_cast<unsigned char*>(b.data() + at), v);
}
inline void store_be32(MutableBytes b, std::size_t at, std::uint32_t v) {
  boost::endian::store_big_u32(reinterpret_cast<unsigned char*>(b.data() + at), v);
}

// Copies a header layout (a struct of Boost.Endian buffer types, alignment 1) out of or into
// a span whose length the caller has checked.
template <class Layout>
Layout load_layout(Bytes b) {
  static_assert(alignof(Layout) == 1);
  Layout l;
  std::memcpy(&l, b.data(), sizeof l);
  return l;
}
template <class Layout>
void store_layout(MutableBytes b, const Layout& l) {
  static_assert(alignof(Layout) == 1);
  std::memcpy(b.data(), &l, sizeof l);
}

inline void copy_bytes(MutableBytes to, Bytes from) {
  if (!from.empty()) std::memmove(to.data(), from.data(), from.size());
}

}  // namespace tapstack
