#include "stack/fragmenter.hpp"

#include "stack/wire/checksum.hpp"
#include "stack/wire/ip_options.hpp"
#include "stack/wire/ipv6_fragment.hpp"

#include <algorithm>

namespace tapstack {

std::expected<Fragmenter, FragmentError> Fragmenter::create(const Ipv4View& datagram, std::size_t mtu) {
  if (mtu < kIpv4MinMtu) return std::unexpected(FragmentError::mtu_too_small);

  Fragmenter f;
  f.datagram_ = datagram.datagram();
  f.hlen_ = datagram.header_len();
  const std::size_t hlen = f.hlen_;
  if (datagram.total_len() <= mtu) {
    f.single_ = true;
    f.count_ = 1;
    return f;
  }
  if (datagram.dont_fragment()) return std::unexpected(FragmentError::dont_fragment);
  // ip_frag_next(): min(left, mtu - hlen), rounded down to 8 unless it is the last piece.
  f.per_fragment_ = (mtu - hlen) & ~std::size_t{7};
  if (f.per_fragment_ == 0) return std::unexpected(FragmentError::mtu_too_small);
  f.base_offset_ = datagram.frag_offset();
  f.not_last_frag_ = datagram.more_fragments();
  const std::size_t payload = datagram.payload().size();
  f.count_ = (payload + f.per_fragment_ - 1) / f.per_fragment_;
  copy_bytes(MutableBytes{f.later_header_}, datagram.header());
  strip_uncopied_options(MutableBytes{f.later_header_}.subspan(kIpv4MinHeaderLen, hlen - kIpv4MinHeaderLen));
  return f;
}

std::size_t Fragmenter::max_fragment_len() const { return single_ ? datagram_.size() : hlen_ + per_fragment_; }

std::size_t Fragmenter::next_len() const {
  if (done_) return 0;
  if (single_) return datagram_.size();
  return hlen_ + std::min(datagram_.size() - hlen_ - ptr_, per_fragment_);
}

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

std::expected<Fragmenter6, FragmentError> Fragmenter6::create(Bytes datagram, std::size_t unfragmentable,
                                                              std::size_t next_header_at, std::size_t mtu,
                                                              std::uint32_t ident) {
  if (mtu < kIpv6MinMtu) return std::unexpected(FragmentError::mtu_too_small);
  Fragmenter6 f;
  f.datagram_ = datagram;
  f.unfragmentable_ = unfragmentable;
  f.next_header_at_ = next_header_at;
  if (datagram.size() <= mtu) {
    f.single_ = true;
    f.count_ = 1;
    return f;
  }
  // ip6_fragment(): fail_toobig unless 8 bytes fit behind the headers.
  if (mtu < unfragmentable + kIpv6FragmentHeaderLen + 8) return std::unexpected(FragmentError::mtu_too_small);
  f.per_fragment_ = (mtu - unfragmentable - kIpv6FragmentHeaderLen) & ~std::size_t{7};
  f.next_header_ = IpProtocol{load_u8(datagram, next_header_at)};
  f.ident_ = ident;
  const std::size_t fragmentable = datagram.size() - unfragmentable;
  f.count_ = (fragmentable + f.per_fragment_ - 1) / f.per_fragment_;
  return f;
}

std::size_t Fragmenter6::max_fragment_len() const {
  return single_ ? datagram_.size() : unfragmentable_ + kIpv6FragmentHeaderLen + per_fragment_;
}

std::size_t Fragmenter6::next_len() const {
  if (done_) return 0;
  if (single_) return datagram_.size();
  return unfragmentable_ + kIpv6FragmentHeaderLen +
         std::min(datagram_.size() - unfragmentable_ - ptr_, per_fragment_);
}

std::optional<std::size_t> Fragmenter6::next(MutableBytes out) {
  if (done_) return std::nullopt;
  if (single_) {
    if (out.size() < datagram_.size()) return std::nullopt;
    copy_bytes(out, datagram_);
    done_ = true;
    return datagram_.size();
  }
  const std::size_t left = datagram_.size() - unfragmentable_ - ptr_;
  const std::size_t len = std::min(left, per_fragment_);
  const std::size_t headers = unfragmentable_ + kIpv6FragmentHeaderLen;
  if (out.size() < headers + len) return std::nullopt;

  copy_bytes(out, datagram_.first(unfragmentable_));
  store_u8(out, next_header_at_, static_cast<std::uint8_t>(IpProtocol::fragment));
  store_be16(out, ipv6_field::payload_len, static_cast<std::uint16_t>(headers + len - kIpv6HeaderLen));
  Ipv6FragmentRepr{next_header_, ptr_, len < left, ident_}.emit(out.subspan(unfragmentable_));
  copy_bytes(out.subspan(headers), datagram_.subspan(unfragmentable_ + ptr_, len));

  ptr_ += len;
  if (ptr_ == datagram_.size() - unfragmentable_) done_ = true;
  return headers + len;
}

}  // namespace tapstack
