// libFuzzer target: Ipv4View::parse on any bytes, and Ipv4Repr::emit → parse both ways.
//
// Input: bytes after the link header (a datagram, maybe with padding). The same bytes also
// give the field values of an Ipv4Repr to build (src, dst, protocol, ttl, tos, ident,
// flags_frag, an options length 0-40 and its bytes, a payload length).
// Checks:
//  - parse accepts exactly the headers RFC 791/RFC 1122 validation (as Linux's ip_rcv_core()
//    orders it) accepts, with the same first error;
//  - on success every accessor is in bounds and consistent: 20 <= header_len <= total_len ==
//    datagram().size() <= input, header() verifies, options() and payload() tile the datagram in
//    place, fragment fields decode the flags word;
//  - the view's fields as an Ipv4Repr (options verbatim) emit the same header, checksum aside
//    (0x0000 and 0xffff verify alike), with a checksum that verifies, and parse back the same;
//  - an Ipv4Repr with any fields (options <= 40 bytes, total length <= 65535) emits a header
//    that parses, with those fields, and options padded with EOOL.
#include "fuzz_check.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ip_options.hpp"
#include "stack/wire/ipv4.hpp"

#include <array>
#include <cstring>
#include <optional>
#include <vector>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("ipv4_fuzz", data, "%s", what); }

std::optional<Ipv4Error> expected_error(Bytes p) {
  if (p.size() < 20) return Ipv4Error::truncated;
  if ((load_u8(p, 0) >> 4) != 4) return Ipv4Error::bad_version;
  const std::size_t ihl = (load_u8(p, 0) & 0x0fu) * 4u;
  if (ihl < 20) return Ipv4Error::bad_header_len;
  if (p.size() < ihl) return Ipv4Error::truncated;
  if (internet_checksum(p.first(ihl)) != 0) return Ipv4Error::bad_checksum;
  const std::size_t total = load_be16(p, 2);
  if (p.size() < total) return Ipv4Error::truncated;
  if (total < ihl) return Ipv4Error::bad_header_len;
  return std::nullopt;
}

// The header fields the view and the repr share, equal.
void check_same_fields(const Ipv4View& v, const Ipv4Repr& r, Bytes data, const char* what) {
  if (v.src() != r.src || v.dst() != r.dst || u(v.protocol()) != u(r.protocol) || v.ttl() != r.ttl ||
      v.tos() != r.tos || v.ident() != r.ident || v.flags_frag() != r.flags_frag ||
      v.header_len() != r.header_len() || v.total_len() != r.total_len() || v.payload().size() != r.payload_len)
    fail(data, what);
}

void check_view(Bytes packet) {
  const auto ip = Ipv4View::parse(packet);
  const auto want = expected_error(packet);
  if (want) {
    if (ip) fail(packet, "parsed a datagram that header validation rejects");
    if (ip.error() != *want) fail(packet, "rejected for another reason than the first check that fails");
    return;
  }
  if (!ip) fail(packet, "rejected a valid datagram");

  const std::size_t hlen = ip->header_len();
  if (hlen < kIpv4MinHeaderLen || hlen > kIpv4MaxHeaderLen || hlen % 4 != 0) fail(packet, "header_len out of range");
  if (ip->total_len() < hlen || ip->datagram().size() != ip->total_len() || ip->total_len() > packet.size())
    fail(packet, "total_len inconsistent with header_len, datagram() or the input");
  if (ip->datagram().data() != packet.data()) fail(packet, "datagram() does not start at the input");
  if (ip->header().size() != hlen || ip->header().data() != packet.data()) fail(packet, "header() misplaced");
  if (internet_checksum(ip->header()) != 0) fail(packet, "a parsed header does not verify");
  if (ip->options().size() != hlen - kIpv4MinHeaderLen || ip->options().data() != packet.data() + kIpv4MinHeaderLen)
    fail(packet, "options() misplaced");
  if (ip->payload().size() != ip->total_len() - hlen || ip->payload().data() != packet.data() + hlen)
    fail(packet, "payload() misplaced");
  const std::uint16_t ff = load_be16(packet, 6);
  if (ip->flags_frag() != ff || ip->dont_fragment() != ((ff & 0x4000) != 0) ||
      ip->more_fragments() != ((ff & 0x2000) != 0) || ip->frag_offset() != std::size_t{ff & 0x1fffu} * 8 ||
      ip->frag_offset() > 65528 || ip->is_fragment() != (((ff & 0x2000) != 0) || (ff & 0x1fff) != 0))
    fail(packet, "fragment fields do not decode the flags word");
  if (ip->src().value != load_be32(packet, 12) || ip->dst().value != load_be32(packet, 16) ||
      ip->ttl() != load_u8(packet, 8) || u(ip->protocol()) != load_u8(packet, 9) || ip->tos() != load_u8(packet, 1) ||
      ip->ident() != load_be16(packet, 4) || ip->checksum() != load_be16(packet, 10))
    fail(packet, "a field is not the bytes at its offset");

  // The view as a Repr, emitted: the same header.
  const Ipv4Repr repr{.src = ip->src(), .dst = ip->dst(), .protocol = static_cast<decltype(Ipv4Repr::protocol)>(u(ip->protocol())),
                      .ttl = ip->ttl(), .tos = ip->tos(), .ident = ip->ident(), .flags_frag = ip->flags_frag(),
                      .payload_len = ip->payload().size(), .options = ip->options()};
  std::vector<std::byte> out(ip->total_len());
  repr.emit(out);
  if (std::memcmp(out.data(), packet.data(), ipv4_field::checksum) != 0 ||
      std::memcmp(out.data() + ipv4_field::src, packet.data() + ipv4_field::src, hlen - ipv4_field::src) != 0)
    fail(packet, "emit(parse(header)) differs from the header outside the checksum");
  if (internet_checksum(Bytes(out).first(hlen)) != 0) fail(packet, "emit() wrote a checksum that does not verify");
  copy_bytes(MutableBytes(out).subspan(hlen), ip->payload());
  const auto again = Ipv4View::parse(out);
  if (!again) fail(packet, "parse(emit(parse(datagram))) failed");
  check_same_fields(*again, repr, packet, "parse(emit(repr)) != repr (from a parsed datagram)");
}

void check_repr(const std::uint8_t* data, std::size_t size) {
  fuzz::ByteReader in(data, size);
  Ipv4Repr r;
  r.src = Ipv4Addr{in.be32()};
  r.dst = Ipv4Addr{in.be32()};
  r.protocol = static_cast<decltype(r.protocol)>(in.u8());
  r.ttl = in.u8();
  r.tos = in.u8();
  r.ident = in.be16();
  r.flags_frag = in.be16();
  const std::size_t options_len = in.u8() % (kMaxOptionsLen + 1);
  const std::vector<std::byte> options = fuzz::exact_copy(in.take(options_len));
  r.options = options;
  r.payload_len = in.be16() % (kIpv4MaxDatagramLen - r.header_len() + 1);

  static std::array<std::byte, kIpv4MaxDatagramLen> buffer{};
  const MutableBytes out = MutableBytes(buffer).first(r.total_len());
  r.emit(out);
  const auto v = Ipv4View::parse(out);
  if (!v) fuzz::failf("ipv4_fuzz", out.first(r.header_len()), "an emitted header does not parse (Ipv4Error %d)", static_cast<int>(v.error()));
  check_same_fields(*v, r, out.first(r.header_len()), "parse(emit(repr)) != repr");
  const Bytes got = v->options();
  if (!options.empty() && std::memcmp(got.data(), options.data(), options.size()) != 0) fail(got, "options not copied verbatim");
  for (std::size_t i = options.size(); i < got.size(); ++i)
    if (load_u8(got, i) != 0) fail(got, "options not padded with EOOL");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_view(Bytes(reinterpret_cast<const std::byte*>(data), size));
  check_repr(data, size);
  return 0;
}
