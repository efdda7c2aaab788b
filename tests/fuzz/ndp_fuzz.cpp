// libFuzzer target: the neighbour discovery bodies (stack/wire/ndp.hpp) on any bytes, and
// NS/NA emit → parse round trips.
//
// Input: one byte choosing the message (low three bits: 0 NS, 1 NA, 2 RS, 3 RA, 4 redirect,
// others NS), then the body (what follows the ICMPv6 type, code and checksum).
// Checks: parse accepts exactly what RFC 4861 §4 with Linux's ndisc_parse_options allows (the
// fixed part present; options each at least 8 bytes, of a length that fits; a link-layer option
// exactly 8 bytes) and says why otherwise, in the order the message is read; the target, flags
// and the first source/target link-layer options are the bytes at their offsets; emit(parse(b))
// parses back to the same value and is body_len() bytes.
#include "fuzz_check.hpp"
#include "stack/wire/ndp.hpp"

#include <optional>
#include <vector>

namespace {

using namespace tapstack;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("ndp_fuzz", data, "%s", what); }

struct Model {
  std::optional<NdpError> error;
  std::optional<MacAddr> source_mac;
  std::optional<MacAddr> target_mac;
};

MacAddr mac_at(Bytes b, std::size_t at) {
  MacAddr m;
  for (std::size_t i = 0; i < 6; ++i) m.octets[i] = load_u8(b, at + i);
  return m;
}

// The verdict, written from RFC 4861 §4.6 and ndisc_parse_options rather than from ndp.cpp.
Model model(Bytes body, std::size_t fixed) {
  Model m;
  if (body.size() < fixed) {
    m.error = NdpError::truncated;
    return m;
  }
  std::size_t at = fixed;
  while (at < body.size()) {
    const std::size_t left = body.size() - at;
    if (left < 2 || load_u8(body, at + 1) == 0 || std::size_t{load_u8(body, at + 1)} * 8 > left) {
      m.error = NdpError::bad_option;
      return m;
    }
    const unsigned type = load_u8(body, at);
    const std::size_t len = std::size_t{load_u8(body, at + 1)} * 8;
    if (type == 1 || type == 2) {
      if (len != 8) {
        m.error = NdpError::bad_link_layer;
        return m;
      }
      auto& slot = type == 1 ? m.source_mac : m.target_mac;
      if (!slot) slot = mac_at(body, at + 2);
    }
    at += len;
  }
  return m;
}

Ipv6Addr addr_at(Bytes b, std::size_t at) {
  Ipv6Addr a;
  for (std::size_t i = 0; i < 16; ++i) a.octets[i] = load_u8(b, at + i);
  return a;
}

template <class Message>
void check_round_trip(Bytes body, const Message& parsed) {
  std::vector<std::byte> out(parsed.body_len());
  parsed.emit(out);
  const auto again = Message::parse(out);
  if (!again || !(*again == parsed)) fail(body, "emit then parse is not the identity");
}

template <class Parsed>
void check_verdict(Bytes body, const Parsed& parsed, const Model& want) {
  if (want.error) {
    if (parsed) fail(body, "parsed a message RFC 4861 / Linux rejects");
    if (parsed.error() != *want.error) fail(body, "rejected for another reason than the first one read");
  } else if (!parsed) {
    fail(body, "rejected a valid message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Bytes body(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  switch (data[0] & 7) {
    case 1: {
      const auto na = NeighbourAdvertisement::parse(body);
      const Model want = model(body, kNdpAdvertisementBodyLen);
      check_verdict(body, na, want);
      if (!na) return 0;
      const unsigned flags = load_u8(body, 0);
      if (na->router != ((flags & 0x80) != 0) || na->solicited != ((flags & 0x40) != 0) ||
          na->override != ((flags & 0x20) != 0) || na->target != addr_at(body, 4) || na->target_mac != want.target_mac)
        fail(body, "an NA field is not the bytes at its offset");
      check_round_trip(body, *na);
      return 0;
    }
    case 2: {
      const auto rs = RouterSolicitation::parse(body);
      const Model want = model(body, kNdpRouterSolicitationBodyLen);
      check_verdict(body, rs, want);
      if (rs && rs->source_mac != want.source_mac) fail(body, "the RS source link-layer address is not the first option's");
      return 0;
    }
    case 3: {
      const auto ra = RouterAdvertisement::parse(body);
      const Model want = model(body, kNdpRouterAdvertisementBodyLen);
      check_verdict(body, ra, want);
      if (ra && (ra->cur_hop_limit != load_u8(body, 0) || ra->router_lifetime != load_be16(body, 2) ||
                 ra->reachable_time != load_be32(body, 4) || ra->retrans_timer != load_be32(body, 8) ||
                 ra->source_mac != want.source_mac))
        fail(body, "an RA field is not the bytes at its offset");
      return 0;
    }
    case 4: {
      const auto redirect = check_redirect(body);
      check_verdict(body, redirect, model(body, kNdpRedirectBodyLen));
      return 0;
    }
    default: {
      const auto ns = NeighbourSolicitation::parse(body);
      const Model want = model(body, kNdpSolicitationBodyLen);
      check_verdict(body, ns, want);
      if (!ns) return 0;
      if (ns->target != addr_at(body, 4) || ns->source_mac != want.source_mac)
        fail(body, "an NS field is not the bytes at its offset");
      check_round_trip(body, *ns);
      return 0;
    }
  }
}
