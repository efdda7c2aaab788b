// ARP input (RFC 826), following Linux's arp_process() in net/ipv4/arp.c.
#include "stack/wire/arp.hpp"
#include "stack/stack.hpp"

namespace tapstack {
namespace {

// What Linux's ip_route_input() accepts as the source of a packet for us. With rp_filter off it
// rejects multicast, limited broadcast, 0.0.0.0/8, loopback and our own address — but not the
// subnet's broadcast address, which Linux answers (and never caches: its entry is NOARP).
bool is_valid_sender(Ipv4Addr ip, Ipv4Addr ours) {
  return !(ip.is_zeronet() || ip.is_multicast() || ip.is_limited_broadcast() || ip.is_loopback() || ip == ours);
}

}  // namespace

void Stack::on_arp(Bytes packet, LinkCast cast, Instant now) {
  counters_.add(Counter::arp_in);
  const auto parsed = ArpPacket::parse(packet);
  if (!parsed) {
    switch (parsed.error()) {
      case ArpError::truncated: counters_.add(Counter::arp_drop_truncated); break;
      case ArpError::bad_hardware: counters_.add(Counter::arp_drop_bad_hardware); break;
      case ArpError::bad_protocol: counters_.add(Counter::arp_drop_bad_protocol); break;
      case ArpError::bad_op: counters_.add(Counter::arp_drop_bad_op); break;
    }
    return;
  }
  const ArpPacket& arp = *parsed;
  const Ipv4Addr ours = config_.ip.addr;

  // Linux drops requests about multicast and loopback targets before anything else.
  if (arp.target_ip.is_multicast() || arp.target_ip.is_loopback()) {
    counters_.add(Counter::arp_drop_bad_sender);
    return;
  }

  // RFC 5227 probe: sender 0.0.0.0, someone checking whether an address is free. Linux answers
  // a probe for its own address (to the prober's MAC, target IP 0.0.0.0) and learns nothing.
  if (arp.sender_ip.is_unspecified()) {
    if (arp.op == ArpOp::request && arp.target_ip == ours) {
      send_arp(ArpOp::reply, arp.sender_mac, arp.sender_mac, Ipv4Addr::any(), now);
      counters_.add(Counter::arp_probes_answered);
    } else {
      counters_.add(Counter::arp_drop_not_for_us);
    }
    return;
  }

  if (arp.sender_ip == ours) {
    on_arp_conflict(arp, now);
    return;
  }

  if (arp.op == ArpOp::request && arp.target_ip == ours && is_valid_sender(arp.sender_ip, ours)) {
    // RFC 826 "am I the target?": learn the sender (Linux: neigh_event_ns, STALE, overriding
    // whatever MAC the entry had, locktime or not) and answer to the sender's hardware address
    // from the packet.
    if (!config_.ip.is_broadcast(arp.sender_ip))
      neighbours_.learn(arp.sender_ip, arp.sender_mac, {.reachable = false, .create = true, .force = true}, now,
                        [&](const NeighbourAction& a) { act_on(a, now); });
    send_arp(ArpOp::reply, arp.sender_mac, arp.sender_mac, arp.sender_ip, now);
    counters_.add(Counter::arp_requests_answered);
    return;
  }

  // Everything else only refreshes an entry we already have (RFC 826 merge; Linux's arp_accept=0
  // ignores unsolicited ARP for unknown hosts). A gratuitous ARP (sender = target IP; for a reply
  // also sender = target MAC) overrides the locktime. Only a reply to our MAC proves reachability.
  const bool gratuitous = arp.sender_ip == arp.target_ip &&
                          (arp.op == ArpOp::request || arp.target_mac == arp.sender_mac) &&
                          is_valid_sender(arp.sender_ip, ours);
  const bool confirms = arp.op == ArpOp::reply && cast == LinkCast::host;
  if (arp.op == ArpOp::request && arp.target_ip != ours) counters_.add(Counter::arp_drop_not_for_us);
  neighbours_.learn(arp.sender_ip, arp.sender_mac, {.reachable = confirms, .create = false, .force = gratuitous}, now,
                    [&](const NeighbourAction& a) { act_on(a, now); });
}

void Stack::on_arp_conflict(const ArpPacket& arp, Instant now) {
  // Someone else claims our address. Linux says nothing and answers nothing (its route check
  // rejects a packet "from" a local address); we count it and tell the program, which logs it.
  counters_.add(Counter::arp_conflicts);
  if (events_ != nullptr) events_->address_conflict(config_.ip.addr, arp.sender_mac, now);
  if (!config_.arp_defend) return;
  // RFC 5227 §2.4 (b): defend with one announcement, at most once per DEFEND_INTERVAL (10 s).
  constexpr Duration kDefendInterval = 10s;
  if (last_defence_ && now < *last_defence_ + kDefendInterval) return;
  last_defence_ = now;
  announce_arp(now);
}

}  // namespace tapstack
