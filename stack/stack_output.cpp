// The output path: IPv4 datagrams to the link (neighbour resolution, held frames) and ARP.
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/fragmenter.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/stack.hpp"

#include <algorithm>

namespace tapstack {

MutableBytes Stack::datagram_buffer() { return MutableBytes(tx_).subspan(kEthernetHeaderLen); }

void Stack::send_datagram(std::size_t len, Instant now) {
  const MutableBytes frame = MutableBytes(tx_).first(kEthernetHeaderLen + len);
  const MutableBytes datagram = frame.subspan(kEthernetHeaderLen);
  // Every reply goes to a neighbour on our subnet: we have no gateway to route through.
  const Ipv4Addr dst{load_be32(datagram, ipv4_field::dst)};
  if (config_.mode == LinkMode::tap && !config_.ip.contains(dst)) {
    counters_.add(Counter::ip_drop_no_route);
    return;
  }
  if (len <= config_.mtu) {
    counters_.add(Counter::ip_out);
    send_on_link(frame, now);
    return;
  }
  // RFC 791 §3.2: larger than the link takes, so fragments, built one at a time next to the
  // datagram and sent (or held for ARP) as they are made.
  // The header was just built by Ipv4Repr, so it parses.
  auto fragments = Fragmenter::create(*Ipv4View::parse(datagram), config_.mtu);
  if (!fragments) {
    counters_.add(Counter::ip_drop_df_too_big);
    return;
  }
  counters_.add(Counter::ip_out);
  const MutableBytes room = MutableBytes(frag_tx_).subspan(kEthernetHeaderLen);
  while (const auto n = fragments->next(room)) {
    counters_.add(Counter::ip_frags_out);
    send_on_link(MutableBytes(frag_tx_).first(kEthernetHeaderLen + *n), now);
  }
}

void Stack::send_on_link(MutableBytes frame, Instant now) {
  if (config_.mode == LinkMode::tun) {
    emit(frame.subspan(kEthernetHeaderLen), now);
    return;
  }
  const Ipv4Addr dst{load_be32(frame, kEthernetHeaderLen + ipv4_field::dst)};
  EthernetRepr{MacAddr::zero(), config_.mac, EtherType::ipv4}.emit(frame);
  // As Linux: the destination MAC comes from the neighbour cache, never from the request.
  const auto mac = neighbours_.resolve(dst, now, [&](const NeighbourAction& a) { act_on(a, now); });
  if (mac) {
    emit_to(frame, *mac, now);
    return;
  }
  counters_.add(Counter::arp_drop_unresolved, held_.hold(dst, frame));
}

void Stack::send_arp(ArpOp op, MacAddr eth_dst, MacAddr target_mac, Ipv4Addr target_ip, Instant now) {
  MutableBytes frame = MutableBytes(arp_tx_).first(kEthernetHeaderLen + kArpPacketLen);
  EthernetRepr{eth_dst, config_.mac, EtherType::arp}.emit(frame);
  ArpPacket{op, config_.mac, config_.ip.addr, target_mac, target_ip}.emit(frame.subspan(kEthernetHeaderLen));
  emit(frame, now);
}

void Stack::act_on(const NeighbourAction& action, Instant now) {
  switch (action.kind) {
    case NeighbourAction::Kind::solicit_broadcast:
      send_arp(ArpOp::request, MacAddr::broadcast(), MacAddr::zero(), action.ip, now);
      counters_.add(Counter::arp_requests_sent);
      return;
    case NeighbourAction::Kind::solicit_unicast:
      send_arp(ArpOp::request, action.mac, MacAddr::zero(), action.ip, now);
      counters_.add(Counter::arp_requests_sent);
      return;
    case NeighbourAction::Kind::release_held:
      counters_.add(Counter::arp_held_sent,
                    held_.release(action.ip, [&](MutableBytes frame) { emit_to(frame, action.mac, now); }));
      return;
    case NeighbourAction::Kind::drop_held:
      counters_.add(Counter::arp_drop_unresolved, held_.drop(action.ip));
      return;
  }
}

void Stack::emit_to(MutableBytes frame, MacAddr dst, Instant now) {
  std::copy(dst.octets.begin(), dst.octets.end(), reinterpret_cast<std::uint8_t*>(frame.data()));
  emit(frame, now);
}

void Stack::emit(MutableBytes frame, Instant now) {
  // Ethernet's 64-byte minimum (60 without FCS): a NIC pads in hardware, a TAP does not, so we
  // do. Buffers always have room for it behind the frame.
  if (config_.mode == LinkMode::tap && frame.size() < kEthernetMinFrameLen) {
    const std::size_t len = frame.size();
    frame = MutableBytes(frame.data(), kEthernetMinFrameLen);
    std::fill(frame.begin() + static_cast<std::ptrdiff_t>(len), frame.end(), std::byte{0});
  }
  counters_.add(Counter::frames_out);
  out_.emit(frame, now);
}

}  // namespace tapstack
