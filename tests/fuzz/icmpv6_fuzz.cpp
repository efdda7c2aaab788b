// libFuzzer target: Icmpv6View::parse on any bytes, as they come and with the checksum made right.
//
// Input: 32 bytes of source and destination address, then an ICMPv6 message.
// Checks: parse accepts exactly the messages of 8 bytes or more whose checksum over the IPv6
// pseudo-header verifies; the accessors read the bytes at their offsets and data() is everything
// after the 8-byte header, in place; with fill_icmpv6_checksum, every message of 8 bytes or more
// parses, and fails to under other addresses unless the checksum happens to agree.
#include "fuzz_check.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/wire/pseudo_header.hpp"

#include <cstring>
#include <vector>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("icmpv6_fuzz", data, "%s", what); }

void check(Bytes msg, const Ipv6Addr& src, const Ipv6Addr& dst) {
  const auto icmp = Icmpv6View::parse(msg, src, dst);
  if (msg.size() < kIcmpv6HeaderLen) {
    if (icmp || icmp.error() != Icmpv6Error::truncated) fail(msg, "a message shorter than 8 bytes was not truncated");
    return;
  }
  if (transport_checksum(msg, src, dst, IpProtocol::icmpv6) != 0) {
    if (icmp || icmp.error() != Icmpv6Error::bad_checksum) fail(msg, "a bad checksum was not refused as such");
    return;
  }
  if (!icmp) fail(msg, "a message with a good checksum was refused");
  if (u(icmp->type()) != load_u8(msg, 0) || icmp->code() != load_u8(msg, 1) || icmp->checksum() != load_be16(msg, 2) ||
      icmp->ident() != load_be16(msg, 4) || icmp->sequence() != load_be16(msg, 6) || icmp->rest() != load_be32(msg, 4))
    fail(msg, "a field is not the bytes at its offset");
  if (icmp->message().data() != msg.data() || icmp->data().data() != msg.data() + kIcmpv6HeaderLen ||
      icmp->data().size() != msg.size() - kIcmpv6HeaderLen)
    fail(msg, "message() or data() misplaced");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 32) return 0;
  Ipv6Addr src, dst;
  std::memcpy(src.octets.data(), data, 16);
  std::memcpy(dst.octets.data(), data + 16, 16);
  const Bytes msg(reinterpret_cast<const std::byte*>(data) + 32, size - 32);
  check(msg, src, dst);
  if (msg.size() >= kIcmpv6HeaderLen) {
    std::vector<std::byte> fixed(msg.begin(), msg.end());
    fill_icmpv6_checksum(fixed, src, dst);
    if (!Icmpv6View::parse(fixed, src, dst)) fail(fixed, "a message with its checksum filled in does not parse");
    check(fixed, src, dst);
  }
  return 0;
}
