// libFuzzer target: IcmpView::parse on any bytes, as they come and with the checksum made right.
//
// Input: an ICMP message (an IPv4 payload).
// Checks: parse accepts exactly the messages of 8 bytes or more whose checksum verifies; the
// accessors read the bytes at their offsets and data() is everything after the 8-byte header,
// in place; with the checksum field recomputed, every message of 8 bytes or more parses (so the
// accessors run on every input, not only the rare ones whose checksum the fuzzer guessed).
#include "fuzz_check.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/icmp.hpp"

#include <vector>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("icmp_fuzz", data, "%s", what); }

void check(Bytes msg) {
  const auto icmp = IcmpView::parse(msg);
  if (msg.size() < kIcmpHeaderLen) {
    if (icmp || icmp.error() != IcmpError::truncated) fail(msg, "a message shorter than 8 bytes was not truncated");
    return;
  }
  if (internet_checksum(msg) != 0) {
    if (icmp || icmp.error() != IcmpError::bad_checksum) fail(msg, "a message with a bad checksum was not rejected as such");
    return;
  }
  if (!icmp) fail(msg, "a message with a good checksum was rejected");
  if (u(icmp->type()) != load_u8(msg, 0) || u(icmp->code()) != load_u8(msg, 1) || icmp->checksum() != load_be16(msg, 2) ||
      icmp->ident() != load_be16(msg, 4) || icmp->sequence() != load_be16(msg, 6))
    fail(msg, "a field is not the bytes at its offset");
  if (icmp->message().data() != msg.data() || icmp->message().size() != msg.size()) fail(msg, "message() misplaced");
  if (icmp->data().data() != msg.data() + kIcmpHeaderLen || icmp->data().size() != msg.size() - kIcmpHeaderLen)
    fail(msg, "data() misplaced");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(Bytes(reinterpret_cast<const std::byte*>(data), size));
  if (size >= kIcmpHeaderLen) {
    std::vector<std::byte> fixed = fuzz::exact_copy({data, size});
    store_be16(fixed, icmp_field::checksum, 0);
    store_be16(fixed, icmp_field::checksum, internet_checksum(fixed));
    if (!IcmpView::parse(fixed)) fail(fixed, "a message with its checksum recomputed does not parse");
    check(fixed);
  }
  return 0;
}
