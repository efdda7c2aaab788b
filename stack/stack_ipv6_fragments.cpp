// IPv6 fragments in the Stack (RFC 8200 §4.5): the input path hands over a datagram whose
// extension header walk met a Fragment header, and dispatch_ipv6() a datagram larger than the
// link MTU. The rules are Reassembler6's (reassembly6.hpp) and Fragmenter6's (fragmenter.hpp).
#include "stack/stack.hpp"

#include "stack/fragmenter.hpp"
#include "stack/wire/ipv6_fragment.hpp"

namespace tapstack {

void Stack::on_fragment6(const Ipv6View& ip, const Ipv6Chain& chain, LinkCast cast, Instant now) {
  counters_.add(Counter::ip6_frag_in);
  // As for IPv4: what is past its deadline expires (with its ICMPv6) before this fragment could
  // extend or evict it.
  expire_fragments6(now);
  const Bytes packet = ip.datagram();
  const Reassembly6Result r = reassembler6_.on_fragment(Ipv6Fragment{packet, chain.offset}, now);
  if (r.evicted) counters_.add(Counter::ip6_frag_drop_memory);
  switch (r.status) {
    case ReassemblyStatus::not_a_fragment: {
      // RFC 6946: an atomic fragment is the whole datagram. Linux's ipv6_frag_rcv() goes on
      // behind the Fragment header, which stays in place.
      counters_.add(Counter::ip6_frag_atomic);
      const auto fragment = Ipv6FragmentView::parse(packet.subspan(chain.offset));  // on_fragment parsed it
      walk_and_deliver6(ip,
                        Ipv6ChainStart{fragment->next_header(), chain.offset + kIpv6FragmentHeaderLen,
                                       chain.offset + ipv6_fragment_field::next_header, chain.headers + 1},
                        cast, now);
      return;
    }
    case ReassemblyStatus::held:
      return;
    case ReassemblyStatus::duplicate:
      counters_.add(Counter::ip6_frag_drop_duplicate);
      return;
    case ReassemblyStatus::overlap:
      counters_.add(Counter::ip6_frag_drop_overlap);
      return;
    case ReassemblyStatus::oversize:
      counters_.add(Counter::ip6_frag_drop_oversize);
      return;
    case ReassemblyStatus::ecn_mismatch:
      counters_.add(Counter::ip6_frag_drop_bad);
      return;
    case ReassemblyStatus::inconsistent:
      if (!r.problem) {
        counters_.add(Counter::ip6_frag_drop_bad);
        return;
      }
      switch (r.problem->why) {
        case Ipv6FragmentRefusal::truncated: counters_.add(Counter::ip6_frag_drop_truncated); break;
        case Ipv6FragmentRefusal::incomplete_chain: counters_.add(Counter::ip6_frag_drop_incomplete_chain); break;
        case Ipv6FragmentRefusal::beyond_max: counters_.add(Counter::ip6_frag_drop_beyond_max); break;
        case Ipv6FragmentRefusal::bad_length: counters_.add(Counter::ip6_frag_drop_bad_length); break;
      }
      send_icmpv6_error(Offender6{packet, ip.dst().is_multicast() || cast != LinkCast::host},
                        Icmpv6Type::parameter_problem, r.problem->code, r.problem->pointer, now);
      return;
    case ReassemblyStatus::complete:
      break;
  }
  counters_.add(Counter::ip6_frag_reassembled);
  const auto whole = Ipv6View::parse(r.datagram);
  if (!whole) {  // the reassembler sets the payload length; anything else is our bug, not the peer's
    counters_.add(Counter::ip6_frag_drop_bad);
    return;
  }
  // ip6_frag_reasm() returns to the walk behind the unfragmentable part, where the Fragment
  // header was.
  walk_and_deliver6(*whole,
                    Ipv6ChainStart{IpProtocol{load_u8(r.datagram, r.next_header_at)}, r.unfragmentable_len,
                                   r.next_header_at, chain.headers},
                    cast, now);
}

void Stack::expire_fragments6(Instant now) {
  while (auto expired = reassembler6_.pop_expired(now)) {
    counters_.add(Counter::ip6_frag_drop_timeout);
    // ip6frag_expire_frag_queue(): time exceeded (reassembly) only if the first fragment had
    // arrived, quoting it as it arrived.
    if (expired->first_fragment.empty()) continue;
    send_icmpv6_error(Offender6{expired->first_fragment, expired->dst.is_multicast()}, Icmpv6Type::time_exceeded,
                      static_cast<std::uint8_t>(Icmpv6TimeExceededCode::reassembly), 0, now);
  }
}

void Stack::send_fragments6(const Ipv6Addr& next_hop, const TxBuffer& datagram, std::size_t mtu, Instant now) {
  // As ip6_fragment(). Our datagrams carry no extension headers, so the unfragmentable part is
  // the IPv6 header. Linux picks the identification by a keyed hash of the addresses
  // (ipv6_select_ident); a counter keeps replay and the tests deterministic, at the cost of
  // being predictable (RFC 7739 §5 prefers unpredictable values; docs/conformance.md).
  auto fragments = Fragmenter6::create(datagram.data(), kIpv6HeaderLen, ipv6_field::next_header, mtu, next_ident6());
  if (!fragments) {
    counters_.add(Counter::ip6_frag_drop_mtu_too_small);
    return;
  }
  while (!fragments->done()) {
    fragments->next(frag_tx_.start(fragments->next_len()));
    counters_.add(Counter::ip6_frags_out);
    send_to_neighbour6(next_hop, frag_tx_, now);
  }
}

}  // namespace tapstack
