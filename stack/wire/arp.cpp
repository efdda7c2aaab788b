#include "stack/wire/arp.hpp"

#include "stack/wire/ethernet.hpp"

#include <utility>

namespace tapstack {

std::expected<ArpPacket, ArpError> ArpPacket::parse(Bytes packet) {
  if (packet.size() < kArpPacketLen) return std::unexpected(ArpError::truncated);
  const auto l = load_layout<ArpLayout>(packet);
  if ((l.htype.value() != kArpHardwareEthernet && l.htype.value() != kArpHardwareIeee802) || l.hlen.value() != 6)
    return std::unexpected(ArpError::bad_hardware);
  if (EtherType{l.ptype.value()} != EtherType::ipv4 || l.plen.value() != 4)
    return std::unexpected(ArpError::bad_protocol);
  const ArpOp op{l.op.value()};
  if (op != ArpOp::request && op != ArpOp::reply) return std::unexpected(ArpError::bad_op);
  return ArpPacket{op, MacAddr{l.sha}, Ipv4Addr{l.spa.value()}, MacAddr{l.tha},
                   Ipv4Addr{l.tpa.value()}};
}

void ArpPacket::emit(MutableBytes out) const {
  ArpLayout l;
  l.htype = kArpHardwareEthernet;
  l.ptype = std::to_underlying(EtherType::ipv4);
  l.hlen = 6;
  l.plen = 4;
  l.op = std::to_underlying(op);
  l.sha = sender_mac.octets;
  l.spa = sender_ip.value;
  l.tha = target_mac.octets;
  l.tpa = target_ip.value;
  store_layout(out, l);
}

}  // namespace tapstack
