#include "stack/fragmenter.hpp"

#include "stack/wire/checksum.hpp"
#include "stack/wire/ip_options.hpp"

#include <algorithm>

namespace tapstack {

std::expected<Fragmenter, FragmentError> Fragmenter::create(Bytes datagram, std::size_t mtu) {
  if (datagram.size() < kIpv4MinHeaderLen) return std::unexpected(FragmentError::malformed);
  const std::uint8_t ver_ihl = load_u8(datagram, 0);
  const std::size_t hlen = std::size_t{ver_ihl & 0x0fu} * 4;
  const std::size_t total = load_be16(datagram, ipv4_field::total_len);
  if ((ver_ihl >> 4) != 4 || hlen < kIpv4MinHeaderLen || total < hlen || datagram.size() < total) {
    return std::unexpected(FragmentError::malformed);
  }
  if (mtu < kIpv4MinMtu) return std::unexpected(FragmentError::mtu_too_small);

  Fragmenter f;
  f.datagram_ = datagram.first(total);
  f.hlen_ = hlen;
  const std::uint16_t flags_frag = load_be16(datagram, ipv4_field::flags_frag);
  if (total <= mtu) {
    f.single_ = true;
    f.count_ = 1;
    return f;
  }
  if ((flags_frag & kIpv4FlagDontFragment) != 0) return std::unexpected(FragmentError::dont_fragment);
  // ip_frag_next(): min(left, mtu - hlen), rounded down to 8 unless it is the last piece.
  f.per_fragment_ = (mtu - hlen) & ~std::size_t{7};
  if (f.per_fragment_ == 0) return std::unexpected(FragmentError::mtu_too_small);
  f.base_offset_ = static_cast<std::size_t>(flags_frag & kIpv4FragOffsetMask) * 8;
  f.not_last_frag_ = (flags_frag & kIpv4FlagMoreFragments) != 0;
  const std::size_t payload = total - hlen;
  f.count_ = (payload + f.per_fragment_ - 1) / f.per_fragment_;
  copy_bytes(MutableBytes{f.later_header_}, datagram.first(hlen));
  strip_uncopied_options(MutableBytes{f.later_header_}.subspan(kIpv4MinHeaderLen, hlen - kIpv4MinHeaderLen));
  return f;
}

std::size_t Fragmenter::max_fragment_len() const { return single_ ? datagram_.size() : hlen_ + per_fragment_; }

std::optional<std::size_t> Fragmenter::next(MutableBytes out) {
  if (done_) return std::nullopt;
  if (single_) {
    if (out.size() < datagram_.size()) return std::nullopt;
    copy_bytes(out, datagram_);
    done_ = true;
    return datagram_.size();
  }
  const std::size_t left = datagram_.size() - hlen_ - ptr_;
  const std::size_t len = std::min(left, per_fragment_);
  if (out.size() < hlen_ + len) return std::nullopt;

  const Bytes header = ptr_ == 0 ? datagram_.first(hlen_) : Bytes{later_header_}.first(hlen_);
  copy_bytes(out, header);
  copy_bytes(out.subspan(hlen_), datagram_.subspan(hlen_ + ptr_, len));
  std::uint16_t flags_frag = static_cast<std::uint16_t>(((base_offset_ + ptr_) >> 3) & kIpv4FragOffsetMask);
  if (len < left || not_last_frag_) flags_frag |= kIpv4FlagMoreFragments;
  store_be16(out, ipv4_field::flags_frag, flags_frag);
  store_be16(out, ipv4_field::total_len, static_cast<std::uint16_t>(hlen_ + len));
  store_be16(out, ipv4_field::checksum, 0);
  store_be16(out, ipv4_field::checksum, internet_checksum(out.first(hlen_)));

  ptr_ += len;
  if (ptr_ == datagram_.size() - hlen_) done_ = true;
  return hlen_ + len;
}

}  // namespace tapstack
