// libFuzzer target: IPv4 options. compile_received_options() on any bytes, then
// build_reply_options() on what it accepted; strip_uncopied_options() on any bytes.
//
// Input:
//   byte 0      our prefix length (mod 33)
//   bytes 1-4   our address           bytes 5-8   the request's source
//   bytes 9-12  ms since midnight UT  bytes 13-   the options (at most 40; what a header holds
//                                                 after its first 20 bytes, any length)
// Checks:
//  - compile: an error points inside the options (20 <= pointer < 20 + len); on success optlen is
//    the length, each recorded offset points inside at an option of its type, the need* flags
//    come with their option, and the bytes changed only if is_changed says so;
//  - build_reply_options (only after a successful compile, its contract): at most 40 bytes, a
//    multiple of 4, a well-formed list (RR, timestamp and source route TLVs, then EOOL), a first
//    hop exactly when a source route is echoed, none without a source route in the request;
//  - strip_uncopied_options: only overwrites with NOP, and is idempotent (the NOPs it writes
//    keep every later option where it was).
// ASan, UBSan and _GLIBCXX_ASSERTIONS (span bounds) watch every pointer arithmetic on the way.
#include "fuzz_check.hpp"
#include "stack/wire/ip_options.hpp"
#include "stack/wire/ipv4.hpp"

#include <array>
#include <cstring>
#include <vector>

namespace {

using namespace tapstack;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("ip_options_fuzz", data, "%s", what); }

// An offset from compile_received_options() (counted from the IP header; 0 = absent) names an
// option of one of `types` inside the options.
void check_offset(Bytes options, std::uint8_t offset, std::initializer_list<std::uint8_t> types, const char* what) {
  if (offset == 0) return;
  if (offset < kIpv4MinHeaderLen || offset - kIpv4MinHeaderLen >= options.size()) fail(options, what);
  const std::uint8_t type = load_u8(options, offset - kIpv4MinHeaderLen);
  for (const std::uint8_t t : types)
    if (t == type) return;
  fail(options, what);
}

void check_reply(Bytes reply, bool source_route_echoed, Bytes options) {
  std::size_t i = 0;
  bool saw_srr = false;
  while (i < reply.size()) {
    const std::uint8_t type = load_u8(reply, i);
    if (type == ipopt::end) {
      for (std::size_t j = i; j < reply.size(); ++j)
        if (load_u8(reply, j) != ipopt::end) fail(options, "reply options: bytes other than EOOL after EOOL");
      break;
    }
    if (type != ipopt::rr && type != ipopt::timestamp && type != ipopt::lsrr && type != ipopt::ssrr)
      fail(options, "reply options: an option that is never echoed");
    if (i + 1 >= reply.size()) fail(options, "reply options: a TLV without its length");
    const std::size_t len = load_u8(reply, i + 1);
    if (len < 3 || i + len > reply.size()) fail(options, "reply options: a TLV length out of bounds");
    if (type == ipopt::lsrr || type == ipopt::ssrr) saw_srr = true;
    i += len;
  }
  if (saw_srr != source_route_echoed) fail(options, "reply options: a source route echoed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::ByteReader in(data, size);
  const auto prefix = static_cast<std::uint8_t>(in.u8() % 33);
  const Ipv4Interface iface{Ipv4Addr{in.be32()}, prefix};
  in.be32();  // was the request's source, which only a source-route echo needed
  const std::uint32_t ms = in.be32();
  const auto raw = in.take(kMaxOptionsLen);

  // Exactly-sized copies: any read or write past the options is an ASan report.
  std::vector<std::byte> options = fuzz::exact_copy(raw);
  const std::vector<std::byte> original = options;
  const auto compiled = compile_received_options(options, iface, ms);
  if (!compiled) {
    const unsigned p = compiled.error().pointer;
    if (p < kIpv4MinHeaderLen || p >= kIpv4MinHeaderLen + options.size())
      fail(original, "a parameter problem pointer outside the options");
  } else {
    const ReceivedOptions& c = *compiled;
    if (c.optlen != options.size()) fail(original, "optlen is not the options' length");
    check_offset(options, c.rr, {ipopt::rr}, "rr does not point at a record route option");
    check_offset(options, c.ts, {ipopt::timestamp}, "ts does not point at a timestamp option");
    check_offset(options, c.srr, {c.is_strictroute ? ipopt::ssrr : ipopt::lsrr},
                 "srr does not point at a source route of the kind is_strictroute says");
    check_offset(options, c.router_alert, {ipopt::router_alert}, "router_alert does not point at a router alert");
    if (c.rr_needaddr && c.rr == 0) fail(original, "rr_needaddr without a record route");
    if ((c.ts_needaddr || c.ts_needtime) && c.ts == 0) fail(original, "ts_need* without a timestamp");
    if (c.ts_needaddr && !c.ts_needtime) fail(original, "ts_needaddr without ts_needtime");
    if (!c.is_changed && options != original) fail(original, "options rewritten but is_changed is false");

    std::array<std::byte, kMaxOptionsLen> out{};
    const auto reply = build_reply_options(options, c, iface, ms, out);
    if (reply) {
      if (reply->len > kMaxOptionsLen || reply->len % 4 != 0) fail(original, "reply options length not a multiple of 4 up to 40");
      if (options.empty() && reply->len != 0) fail(original, "reply options for a request without options");
      // A host never echoes a source route: the stack drops source-routed datagrams first.
      check_reply(Bytes(out).first(reply->len), false, original);
    }
  }

  // strip_uncopied_options(), on the bytes as they came.
  std::vector<std::byte> stripped = fuzz::exact_copy(raw);
  strip_uncopied_options(stripped);
  for (std::size_t i = 0; i < stripped.size(); ++i)
    if (stripped[i] != original[i] && load_u8(stripped, i) != ipopt::nop)
      fail(original, "strip_uncopied_options wrote something other than NOP");
  std::vector<std::byte> twice = stripped;
  strip_uncopied_options(twice);
  if (twice != stripped) fail(original, "strip_uncopied_options is not idempotent");
  return 0;
}
