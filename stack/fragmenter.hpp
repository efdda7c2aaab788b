#pragma once
// Fragmentation of our outgoing datagrams, IPv4 (Fragmenter) and IPv6 (Fragmenter6, below).
//
// IPv4 (RFC 791 §3.2 "Fragmentation", §2.3): the
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
#include "stack/wire/ipv6.hpp"

#include <array>
#include <cstdint>
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

// IPv6 (RFC 8200 §4.5), producing the fragments of Linux's ip6_fragment() (its slow path
// ip6_frag_init/ip6_frag_next and its frag_list fast path agree byte for byte):
//
//   - every fragment repeats the unfragmentable part (the IPv6 header and the extension headers
//     before the fragmentable ones), whose last Next Header now names the Fragment header;
//   - then a Fragment header: the original Next Header, reserved zero, the offset, M on all but
//     the last, the identification the caller chose;
//   - payload per fragment is (mtu - unfragmentable - 8) rounded down to a multiple of 8, the last
//     takes the rest; payload length = the fragment's length - 40.
//
// Only a source fragments in IPv6, and Linux lets a local ICMPv6 reply be fragmented whatever its
// size, so there is no DF to refuse. A datagram that fits the MTU is produced unchanged, with no
// Fragment header (Linux sends atomic fragments for nobody since RFC 8021).
class Fragmenter6 {
 public:
  // datagram: a whole IPv6 datagram; unfragmentable: its IPv6 header and the extension headers
  // every fragment repeats (40 when it has none); next_header_at: the byte among them naming
  // what follows (6, the IPv6 header's Next Header, when it has none). The caller built the
  // datagram, so they are trusted. Fails with mtu_too_small below 1280 or when the
  // unfragmentable part leaves no room for 8 bytes.
  static std::expected<Fragmenter6, FragmentError> create(Bytes datagram, std::size_t unfragmentable,
                                                          std::size_t next_header_at, std::size_t mtu,
                                                          std::uint32_t ident);

  // As Fragmenter::next(): the next fragment into out, its length; nullopt when done or when out
  // is too short for it (then nothing advances).
  std::optional<std::size_t> next(MutableBytes out);

  bool done() const { return done_; }
  std::size_t next_len() const;
  std::size_t fragment_count() const { return count_; }
  std::size_t max_fragment_len() const;

 private:
  Fragmenter6() = default;

  Bytes datagram_;
  std::size_t unfragmentable_ = 0;
  std::size_t next_header_at_ = 0;
  IpProtocol next_header_{};  // what the Fragment header's Next Header says
  std::uint32_t ident_ = 0;
  std::size_t per_fragment_ = 0;
  std::size_t ptr_ = 0;  // fragmentable bytes already emitted
  bool single_ = false;
  bool done_ = false;
  std::size_t count_ = 0;
};

}  // namespace tapstack
