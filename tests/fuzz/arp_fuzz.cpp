// libFuzzer target: ArpPacket::parse on any bytes, and ArpPacket::emit → parse both ways.
//
// Input: an Ethernet payload (what follows the EtherType).
// Checks: parse accepts exactly what RFC 826 with Linux's hardware types allows (28 bytes or
// more, htype 1 or 6, hlen 6, ptype IPv4, plen 4, op request or reply), and says why otherwise,
// in the order the header is read; the fields are the bytes at their offsets; emit(parse(p)) is
// p's first 28 bytes (htype normalised to Ethernet) and parses back to the same packet; a packet
// built from arbitrary field values survives emit → parse.
#include "fuzz_check.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"

#include <array>
#include <cstring>
#include <optional>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("arp_fuzz", data, "%s", what); }

MacAddr mac_at(Bytes b, std::size_t at) {
  MacAddr m;
  for (std::size_t i = 0; i < 6; ++i) m.octets[i] = load_u8(b, at + i);
  return m;
}

// The verdict, written from RFC 826 and net/ipv4/arp.c rather than from arp.cpp.
std::optional<ArpError> expected_error(Bytes p) {
  if (p.size() < kArpPacketLen) return ArpError::truncated;
  const unsigned htype = load_be16(p, 0), ptype = load_be16(p, 2), hlen = load_u8(p, 4), plen = load_u8(p, 5),
                 op = load_be16(p, 6);
  if ((htype != 1 && htype != 6) || hlen != 6) return ArpError::bad_hardware;
  if (ptype != 0x0800 || plen != 4) return ArpError::bad_protocol;
  if (op != 1 && op != 2) return ArpError::bad_op;
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes packet(reinterpret_cast<const std::byte*>(data), size);
  const auto arp = ArpPacket::parse(packet);
  const auto want = expected_error(packet);
  if (want) {
    if (arp) fail(packet, "parsed a packet RFC 826 / Linux rejects");
    if (arp.error() != *want) fail(packet, "rejected for another reason than the first one in the header");
  } else {
    if (!arp) fail(packet, "rejected a valid Ethernet/IPv4 ARP packet");
    if (u(arp->op) != load_be16(packet, 6) || arp->sender_mac != mac_at(packet, 8) ||
        arp->sender_ip.value != load_be32(packet, 14) || arp->target_mac != mac_at(packet, 18) ||
        arp->target_ip.value != load_be32(packet, 24))
      fail(packet, "a field is not the bytes at its offset");

    std::array<std::byte, kArpPacketLen> out{};
    arp->emit(out);
    std::array<std::byte, kArpPacketLen> expect{};
    std::memcpy(expect.data(), packet.data(), kArpPacketLen);
    store_be16(expect, 0, kArpHardwareEthernet);  // IEEE 802 (6) is accepted, Ethernet (1) is sent
    if (out != expect) fail(packet, "emit(parse(p)) differs from p's first 28 bytes");
    const auto again = ArpPacket::parse(out);
    if (!again || *again != *arp) fail(packet, "parse(emit(parse(p))) != parse(p)");
  }

  // The other way: any field values.
  fuzz::ByteReader in(data, size);
  ArpPacket built;
  built.op = (in.u8() & 1) != 0 ? ArpOp::reply : ArpOp::request;
  for (auto& o : built.sender_mac.octets) o = in.u8();
  built.sender_ip = Ipv4Addr{in.be32()};
  for (auto& o : built.target_mac.octets) o = in.u8();
  built.target_ip = Ipv4Addr{in.be32()};
  std::array<std::byte, kArpPacketLen> out{};
  built.emit(out);
  const auto back = ArpPacket::parse(out);
  if (!back || *back != built) fail(out, "parse(emit(packet)) != packet");
  return 0;
}
