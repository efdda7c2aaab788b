#pragma once
// IPv4 options (RFC 791 §3.1, RFC 1122 §3.2.1.8, §3.2.2.6), processed the way Linux's
// net/ipv4/ip_options.c does: ip_options_compile() on receipt, __ip_options_echo() +
// ip_options_build() for the options of a reply, ip_options_fragment() for later fragments.
//
// Option formats (RFC 791 §3.1); EOOL (0) and NOP (1) are single bytes, the rest are TLVs:
//
//   Record route (7), loose (131) / strict (137) source route:
//   +--------+--------+--------+---------//--------+
//   |  type  | length | pointer|     route data    |
//   +--------+--------+--------+---------//--------+
//
//   Timestamp (68):
//   +--------+--------+--------+--------+
//   |01000100| length | pointer|oflw|flg|
//   +--------+--------+--------+--------+
//   |         internet address          |  (flags 1 and 3 only)
//   +--------+--------+--------+--------+
//   |             timestamp             |
//   +--------+--------+--------+--------+
//   |                 .                 |
//
// The pointer counts from 1 at the type byte: the next free slot starts at option[pointer - 1],
// and the option is full once pointer > length.
//
// The flow Linux follows, which the Stack reproduces with these functions:
//   1. Every received datagram with options (fragments included) goes through
//      compile_received_options(), which validates them and *rewrites them in place*: it records
//      our address in Record Route and our address/time in Timestamp, as ip_options_compile()
//      does with an skb (routing has run, so Linux fills them for local delivery too). Linux does
//      not recompute the header checksum afterwards for local delivery, so a header quoted later
//      in an ICMP error carries the rewritten options and the original checksum.
//   2. An error means: drop the datagram and send Parameter Problem (code 0) with the returned
//      pointer (subject to the usual ICMP error rules: never for non-first fragments etc.),
//      carrying the options echoed from what compiled before the error, as every ICMP error
//      carries its offender's (__icmp_send() → __ip_options_echo() on the half-filled opt).
//   3. Source-routed datagrams (ReceivedOptions::srr != 0) are dropped silently by a host:
//      net.ipv4.conf.*.accept_source_route is 0 unless the host is a router.
//   4. An echo reply, timestamp reply or ICMP error built for that datagram carries the options
//      build_reply_options() makes from the *rewritten* options (ip_options_echo + build). If that
//      fails, Linux sends nothing at all.
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstdint>
#include <expected>
#include <optional>
#include <span>

namespace tapstack {

namespace ipopt {
inline constexpr std::uint8_t end = 0;  // EOOL
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t rr = 7;  // record route
inline constexpr std::uint8_t timestamp = 68;
inline constexpr std::uint8_t sec = 130;  // RFC 1108 security
inline constexpr std::uint8_t lsrr = 131;
inline constexpr std::uint8_t cipso = 134;
inline constexpr std::uint8_t sid = 136;  // stream id
inline constexpr std::uint8_t ssrr = 137;
inline constexpr std::uint8_t router_alert = 148;  // RFC 2113

// Timestamp flags (low nibble of the fourth byte).
inline constexpr std::uint8_t ts_only = 0;
inline constexpr std::uint8_t ts_and_addr = 1;
inline constexpr std::uint8_t ts_prespec = 3;

// RFC 791 §3.1: the high bit of the type says whether fragments must carry the option.
constexpr bool is_copied(std::uint8_t type) { return (type & 0x80) != 0; }
}  // namespace ipopt

inline constexpr std::size_t kMaxOptionsLen = 40;  // IHL 15 * 4 - 20

// What ip_options_compile() leaves in IPCB(skb)->opt, needed later to build a reply's options.
// Offsets count from the start of the IP header (so 20 is the first option byte); 0 = absent.
struct ReceivedOptions {
  std::uint8_t optlen = 0;
  std::uint8_t srr = 0;
  std::uint8_t rr = 0;
  std::uint8_t ts = 0;
  std::uint8_t router_alert = 0;
  bool is_strictroute = false;
  bool rr_needaddr = false;  // RR had room and we recorded our address in it
  bool ts_needaddr = false;  // Timestamp (flag 1) had room and we recorded address and time
  bool ts_needtime = false;  // Timestamp had room (and, flag 3, named us) and we recorded time
  bool is_changed = false;   // the option bytes were rewritten

  friend bool operator==(const ReceivedOptions&, const ReceivedOptions&) = default;
};

// The pointer for an ICMP Parameter Problem (RFC 792): the offending byte, counted from the
// start of the IP header, exactly as Linux computes it (pp_ptr - iph).
struct OptionError {
  std::uint8_t pointer = 0;
  // What the options before the bad one compiled to (Linux fills IPCB(skb)->opt as it goes):
  // the parameter problem echoes a record route or timestamp that came before (step 2 above).
  ReceivedOptions compiled{};
  friend bool operator==(const OptionError&, const OptionError&) = default;
};

// Validates the options of a received datagram and applies receive-side processing in place,
// like ip_options_compile(net, opt, skb). `options` is the header after its first 20 bytes
// (IHL * 4 - 20 bytes, at most 40). `iface` gives our address (what Linux records: the
// datagram's local destination, fib_compute_spec_dst) and the subnet, used to tell which
// pre-specified timestamp addresses are "ours" (Linux: inet_addr_type() != RTN_UNICAST).
// ms_since_midnight_utc is RFC 791's timestamp value (inet_current_timestamp()).
// On error the bytes may already be partly rewritten, as in Linux, and that is what a
// Parameter Problem quotes.
std::expected<ReceivedOptions, OptionError> compile_received_options(MutableBytes options, const Ipv4Interface& iface,
                                                                     std::uint32_t ms_since_midnight_utc);

// Why a reply gets no options, and therefore (Linux) is not sent at all.
enum class EchoError {
  no_room,  // __ip_options_echo() returned -EINVAL: a slot the request promised does not fit
};

struct ReplyOptions {
  std::size_t len = 0;  // bytes written to `out`, a multiple of 4 (EOOL padded)
};

// Builds the options of a reply (echo reply, timestamp reply, ICMP error) to a datagram whose
// options went through compile_received_options(): __ip_options_echo() followed by the
// ip_options_build() done when the reply is sent. Record Route and Timestamp are copied with
// room reserved and filled with our address/time; everything else (NOP, security, stream id,
// router alert, unknown types) is not echoed. Order on the wire is Linux's: RR, then TS; then
// EOOL padding. A source route is never echoed: Linux reverses it into the reply, but a host
// (accept_source_route=0) drops a source-routed datagram before anything could answer it (step
// 3 above), so no reply ever has one to reverse. The one answer that could is a parameter
// problem about a bad option behind a source route, where __ip_options_echo() would reverse
// it; here it carries only RR and TS (unverified against the kernel: no case sends that).
// `received` is the rewritten options, `compiled` what compile_received_options() returned.
std::expected<ReplyOptions, EchoError> build_reply_options(Bytes received, const ReceivedOptions& compiled,
                                                           const Ipv4Interface& iface,
                                                           std::uint32_t ms_since_midnight_utc,
                                                           std::span<std::byte, kMaxOptionsLen> out);

// ip_options_fragment(): in the options of every fragment after the first, overwrite the
// options whose "copied" bit is clear with NOP, keeping the header length (RFC 791 §3.2:
// only copied options go into later fragments). Stops at EOOL or a malformed length, as Linux.
void strip_uncopied_options(MutableBytes options);

}  // namespace tapstack
