#pragma once
// Fragmentation of our outgoing datagrams (RFC 791 §3.2 "Fragmentation", §2.3), producing the
// same fragments as Linux's ip_do_fragment() slow path (ip_frag_init/ip_frag_next) and its
// frag_list fast path, which agree byte for byte:
//
//   - every fragment carries the original header length; payload per fragment is
//     (mtu - header_len) rounded down to a multiple of 8, the last takes the rest;
//   - flags/offset are rewritten: offset = position of the piece, MF on all but the last (on all
//     of them if the datagram was itself a non-last fragment), DF and the reserved bit cleared
//     (Linux only keeps DF when re-fragmenting a forwarded DF datagram, IPSKB_FRAG_PMTU);
//   - total length and header checksum recomputed, identification and everything else kept;
//   - fragments after the first carry the options with the non-copied ones overwritten by NOP
//     (ip_options_fragment()), so the header length does not change.
//
// A datagram that fits the MTU is produced unchanged as a single piece. A datagram with DF set
// that does not fit is refused (create() fails with dont_fragment): the caller drops it and
// counts ip_drop_df_too_big. Linux's ICMP socket never sets DF (pmtudisc = DONT), so echo
// replies are always fragmentable.
#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4.hpp"

#include <array>
#include <cstddef>
#include <expected>
#include <optional>

namespace tapstack {

inline constexpr std::size_t kIpv4MinMtu = 68;  // RFC 791 §3.2, Linux IPV4_MIN_MTU

enum class FragmentError {
  mtu_too_small,  // below 68, or no room for 8 bytes of payload after the header
  dont_fragment,  // DF set and larger than the MTU
};

// Walks one datagram; next() writes the fragments one at a time into the caller's buffer.
// The datagram's bytes must stay valid and unchanged while the Fragmenter is used.
class Fragmenter {
 public:
  // The view has validated the header, so the fragmenter trusts its lengths.
  static std::expected<Fragmenter, FragmentError> create(const Ipv4View& datagram, std::size_t mtu);

  // Writes the next fragment into out and returns its length; nullopt when every fragment has
  // been produced, or (without advancing) when out is shorter than that fragment.
  std::optional<std::size_t> next(MutableBytes out);

  bool done() const { return done_; }
  // How long the fragment next() writes next is (0 once done): the room to give it.
  std::size_t next_len() const;
  std::size_t fragment_count() const { return count_; }
  // An `out` of this size always suffices (at most the MTU).
  std::size_t max_fragment_len() const;

 private:
  Fragmenter() = default;

  Bytes datagram_;  // exactly total_len bytes
  std::size_t hlen_ = 0;
  std::size_t per_fragment_ = 0;  // payload bytes in every fragment but the last
  std::size_t ptr_ = 0;           // payload bytes already emitted
  std::size_t base_offset_ = 0;   // the datagram's own fragment offset, in bytes
  bool not_last_frag_ = false;    // the datagram itself had MF set
  bool single_ = false;           // fits the MTU: emitted as it is
  bool done_ = false;
  std::size_t count_ = 0;
  std::array<std::byte, kIpv4MaxHeaderLen> later_header_{};  // header of fragments 2..n
};

}  // namespace tapstack
