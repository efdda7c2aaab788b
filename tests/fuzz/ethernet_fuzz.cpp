// libFuzzer target: EthernetView::parse on any bytes, and EthernetRepr::emit → parse.
//
// Input: one frame as a TAP device hands it over (no preamble, no FCS).
// Checks: parse succeeds exactly when there are 14 bytes; the accessors read the bytes they
// name and payload() is the rest of the frame, in place; re-emitting the parsed header gives the
// same 14 bytes (any type value, known or not, survives) and parses back to the same fields.
#include "fuzz_check.hpp"
#include "stack/wire/ethernet.hpp"

#include <array>
#include <cstring>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("ethernet_fuzz", data, "%s", what); }

MacAddr mac_at(Bytes b, std::size_t at) {
  MacAddr m;
  for (std::size_t i = 0; i < 6; ++i) m.octets[i] = load_u8(b, at + i);
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes frame(reinterpret_cast<const std::byte*>(data), size);
  const auto eth = EthernetView::parse(frame);
  if (size < kEthernetHeaderLen) {
    if (eth) fail(frame, "a frame shorter than 14 bytes parsed");
    if (eth.error() != EthernetError::truncated) fail(frame, "a short frame failed with another error than truncated");
    return 0;
  }
  if (!eth) fail(frame, "a frame of 14 bytes or more did not parse");

  if (eth->dst() != mac_at(frame, 0)) fail(frame, "dst() is not bytes 0-5");
  if (eth->src() != mac_at(frame, 6)) fail(frame, "src() is not bytes 6-11");
  if (u(eth->type()) != load_be16(frame, 12)) fail(frame, "type() is not bytes 12-13");
  const Bytes payload = eth->payload();
  if (payload.data() != frame.data() + kEthernetHeaderLen || payload.size() != size - kEthernetHeaderLen)
    fail(frame, "payload() is not the rest of the frame");

  // Repr round trip: the parsed header, emitted, is the header we read.
  std::array<std::byte, kEthernetHeaderLen> out{};
  EthernetRepr{eth->dst(), eth->src(), static_cast<EtherType>(u(eth->type()))}.emit(out);
  if (std::memcmp(out.data(), frame.data(), kEthernetHeaderLen) != 0) fail(frame, "emit(parse(header)) != header");
  const auto again = EthernetView::parse(out);
  if (!again || again->dst() != eth->dst() || again->src() != eth->src() || u(again->type()) != u(eth->type()) ||
      !again->payload().empty())
    fail(frame, "parse(emit(repr)) != repr");
  return 0;
}
