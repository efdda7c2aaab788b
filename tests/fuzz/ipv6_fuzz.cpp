// libFuzzer target: Ipv6View::parse, Ipv6Repr round trips, and the extension header walk on any bytes.
//
// Input: bytes after the link header (a datagram, maybe with padding).
// Checks:
//  - parse accepts exactly what has 40 bytes, version 6 and the payload its length says, with
//    the first error ip6_rcv_core() would find; on success the accessors read the bytes at their
//    offsets and datagram()/payload() sit in place;
//  - the view's fields as an Ipv6Repr emit the same 40 bytes;
//  - walk_extension_headers (whole, and hop-by-hop only then continue_from) ends within the
//    datagram, within kIpv6MaxExtensionHeaders, with a parameter problem pointer inside the
//    datagram; the two-step walk agrees with the whole one;
//  - find_upper_layer never reads past the data (ASan and _GLIBCXX_ASSERTIONS watch).
#include "fuzz_check.hpp"
#include "stack/wire/ipv6.hpp"

#include <cstring>
#include <vector>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("ipv6_fuzz", data, "%s", what); }

void check_walk(const Ipv6View& ip, Bytes packet, bool link_host) {
  const Ipv6Chain whole = walk_extension_headers(ip, chain_start(ip), {.link_host = link_host});
  if (whole.offset > ip.datagram().size() && whole.fate == Ipv6ChainFate::upper_layer)
    fail(packet, "the walk ended past the datagram");
  if (whole.headers > kIpv6MaxExtensionHeaders) fail(packet, "the walk passed its bound");
  if (whole.fate == Ipv6ChainFate::more) fail(packet, "a whole walk stopped as if asked to");
  if (whole.fate == Ipv6ChainFate::parameter_problem && whole.pointer >= ip.datagram().size())
    fail(packet, "a parameter problem points past the datagram");
  if (whole.next_header_at >= ip.datagram().size()) fail(packet, "next_header_at past the datagram");

  const Ipv6Chain first = walk_extension_headers(ip, chain_start(ip), {.link_host = link_host, .hop_by_hop_only = true});
  const Ipv6Chain rest = first.fate == Ipv6ChainFate::more
                             ? walk_extension_headers(ip, continue_from(first), {.link_host = link_host})
                             : first;
  if (rest.fate != whole.fate || rest.offset != whole.offset || u(rest.protocol) != u(whole.protocol) ||
      rest.pointer != whole.pointer || rest.headers != whole.headers)
    fail(packet, "walking hop-by-hop first and then the rest differs from one walk");
}

void check(Bytes packet) {
  const auto ip = Ipv6View::parse(packet);
  if (packet.size() < kIpv6HeaderLen) {
    if (ip || ip.error() != Ipv6Error::truncated) fail(packet, "a short datagram was not truncated");
    return;
  }
  if ((load_u8(packet, 0) >> 4) != 6) {
    if (ip || ip.error() != Ipv6Error::bad_version) fail(packet, "version other than 6 not refused as such");
    return;
  }
  const std::size_t total = kIpv6HeaderLen + load_be16(packet, ipv6_field::payload_len);
  if (packet.size() < total) {
    if (ip || ip.error() != Ipv6Error::truncated) fail(packet, "a payload length past the data was not truncated");
    return;
  }
  if (!ip) fail(packet, "a valid datagram was refused");
  if (ip->datagram().data() != packet.data() || ip->datagram().size() != total) fail(packet, "datagram() misplaced");
  if (ip->payload().data() != packet.data() + kIpv6HeaderLen) fail(packet, "payload() misplaced");
  if (u(ip->next_header()) != load_u8(packet, ipv6_field::next_header) || ip->hop_limit() != load_u8(packet, ipv6_field::hop_limit) ||
      std::memcmp(ip->src().octets.data(), packet.data() + ipv6_field::src, 16) != 0 ||
      std::memcmp(ip->dst().octets.data(), packet.data() + ipv6_field::dst, 16) != 0)
    fail(packet, "a field is not the bytes at its offset");

  const Ipv6Repr repr{.src = ip->src(), .dst = ip->dst(), .next_header = ip->next_header(), .hop_limit = ip->hop_limit(),
                      .traffic_class = ip->traffic_class(), .flow_label = ip->flow_label(), .payload_len = ip->payload_len()};
  std::vector<std::byte> out(kIpv6HeaderLen);
  repr.emit(out);
  if (std::memcmp(out.data(), packet.data(), kIpv6HeaderLen) != 0) fail(packet, "emit(parse(header)) differs from the header");

  check_walk(*ip, packet, true);
  check_walk(*ip, packet, false);
  if (const auto upper = find_upper_layer(ip->datagram()); upper && upper->offset < kIpv6HeaderLen)
    fail(packet, "find_upper_layer found a header inside the fixed one");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes packet(reinterpret_cast<const std::byte*>(data), size);
  check(packet);
  // Most inputs fail the version or the length; also look at them as the datagram they almost are.
  if (size >= kIpv6HeaderLen) {
    std::vector<std::byte> fixed = fuzz::exact_copy({data, size});
    store_u8(fixed, 0, static_cast<std::uint8_t>(0x60 | (load_u8(fixed, 0) & 0x0f)));
    store_be16(fixed, ipv6_field::payload_len, static_cast<std::uint16_t>(std::min<std::size_t>(size - kIpv6HeaderLen, 65535)));
    check(fixed);
  }
  return 0;
}
