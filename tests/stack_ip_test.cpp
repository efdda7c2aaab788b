// The stack with fragments, options and rate limits: what `ping -s 65000`, `ping -R` and a burst
// of closed-port probes see.
#include "stack/reassembly.hpp"

#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {

// The echo request of `ping -s data_len`, cut into Ethernet frames the way the sender's IP
// layer does: 1480-byte pieces (MTU 1500), MF on all but the last.
std::vector<Frame> fragmented_echo(std::size_t data_len, std::uint16_t ident, std::uint16_t seq = 1) {
  const Frame icmp = icmp_echo(0x1c, seq, data_len);
  std::vector<Frame> frames;
  for (std::size_t off = 0; off < icmp.size(); off += 1480) {
    const std::size_t len = std::min<std::size_t>(1480, icmp.size() - off);
    const bool more = off + len < icmp.size();
    const Frame piece(icmp.begin() + static_cast<std::ptrdiff_t>(off), icmp.begin() + static_cast<std::ptrdiff_t>(off + len));
    const auto flags = static_cast<std::uint16_t>((more ? kIpv4FlagMoreFragments : 0) | (off / 8));
    frames.push_back(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, piece, 0, ident, flags)));
  }
  return frames;
}

// Reassembles what the stack emitted (in any order) with an independent reassembler and
// returns the ICMP message.
Frame reassemble_emitted(const std::vector<Emitted>& frames) {
  Reassembler r(ReassemblyConfig{});
  for (const auto& e : frames) {
    const auto ip = Ipv4View::parse(EthernetView::parse(e.frame)->payload());
    REQUIRE(ip);
    CHECK(ip->total_len() <= 1500);
    const auto result = r.on_fragment(*ip, Instant{});
    if (result.status == ReassemblyStatus::complete) {
      const auto whole = Ipv4View::parse(result.datagram);
      REQUIRE(whole);
      return Frame(whole->payload().begin(), whole->payload().end());
    }
    REQUIRE(result.status == ReassemblyStatus::held);
  }
  FAIL("the emitted fragments never completed a datagram");
  return {};
}

}  // namespace

TEST_CASE_METHOD(StackFixture, "fragments: ping -s 4000 is reassembled and answered in three fragments") {
  introduce_peer();
  for (const auto& f : fragmented_echo(4000, 0x4242)) feed(f);
  REQUIRE(sink.frames.size() == 3);
  const Frame reply = reassemble_emitted(sink.frames);
  const auto icmp = IcmpView::parse(reply);
  REQUIRE(icmp);
  CHECK(icmp->type() == IcmpType::echo_reply);
  CHECK(icmp->data().size() == 4000);
  CHECK(count(Counter::ip_frag_reassembled) == 1);
  CHECK(count(Counter::ip_frags_out) == 3);
}

TEST_CASE_METHOD(StackFixture, "fragments: ping -s 65000 (the largest ping) is answered in 44 fragments") {
  introduce_peer();
  auto frames = fragmented_echo(65000, 7);
  std::reverse(frames.begin(), frames.end());  // arrival order does not matter
  for (const auto& f : frames) feed(f);
  REQUIRE(sink.frames.size() == 44);
  CHECK(IcmpView::parse(reassemble_emitted(sink.frames))->data().size() == 65000);
}

TEST_CASE_METHOD(StackFixture, "fragments: a ping of death (beyond 65535 bytes) is dropped") {
  introduce_peer();
  auto frames = fragmented_echo(65000, 9);
  // One more fragment past the end of the last: 65528 + 1480 bytes of payload.
  frames.back() = ethernet(kOurMac, kPeerMac, EtherType::ipv4,
                           ipv4(kPeerIp, kOurIp, IpProtocol::icmp, Frame(1480), 0, 9, static_cast<std::uint16_t>(65000 / 8)));
  for (const auto& f : frames) feed(f);
  CHECK(sink.frames.empty());
}

TEST_CASE_METHOD(StackFixture, "fragments: a datagram whose first fragment came earns time exceeded after 30 s") {
  introduce_peer();
  const auto frames = fragmented_echo(4000, 0x99);
  feed(frames[0], t0);
  feed(frames[2], t0 + 1s);
  REQUIRE(stack->next_deadline() == t0 + 30s);
  stack->on_timer(t0 + 30s);
  REQUIRE(sink.frames.size() == 1);
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK(icmp.type() == IcmpType::time_exceeded);
  CHECK(icmp.code() == 1);
  // The quote starts with the first fragment's header, MF still set.
  const auto quoted = icmp.data();
  CHECK(load_be16(quoted, ipv4_field::ident) == 0x99);
  CHECK((load_be16(quoted, ipv4_field::flags_frag) & kIpv4FlagMoreFragments) != 0);
  CHECK(count(Counter::ip_frag_drop_timeout) == 1);
}

TEST_CASE_METHOD(StackFixture, "fragments: without the first fragment a timeout is silent") {
  introduce_peer();
  const auto frames = fragmented_echo(4000, 0x98);
  feed(frames[1], t0);
  stack->on_timer(t0 + 30s);
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ip_frag_drop_timeout) == 1);
}

TEST_CASE_METHOD(StackFixture, "fragments: a reply larger than --mtu is fragmented to it") {
  config.mtu = 576;
  reconfigure();
  introduce_peer();
  feed(echo_request_frame(1, 1000));
  REQUIRE(sink.frames.size() == 2);
  for (const auto& e : sink.frames) CHECK(e.frame.size() <= kEthernetHeaderLen + 576);
  CHECK(IcmpView::parse(reassemble_emitted(sink.frames))->data().size() == 1000);
}

TEST_CASE_METHOD(StackFixture, "options: ping -R gets its record route back with our address added") {
  introduce_peer();
  // What `ping -R` sends: NOP, then RR with 9 slots, pointer 4 (empty).
  Frame options(40, std::byte{0});
  store_u8(options, 0, 1);
  store_u8(options, 1, 7);
  store_u8(options, 2, 39);
  store_u8(options, 3, 4);
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 56), 0, 1, 0x4000, options)));
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  REQUIRE(ip.header_len() == 60);
  const Bytes rr = ip.options();
  // Linux recorded us on receipt and again on sending the reply: pointer 12, two slots filled.
  const std::size_t at = load_u8(rr, 0) == 1 ? 1 : 0;
  CHECK(load_u8(rr, at) == 7);
  CHECK(load_u8(rr, at + 2) == 12);
  CHECK(load_be32(rr, at + 3) == kOurIp.value);
  CHECK(load_be32(rr, at + 7) == kOurIp.value);
  CHECK(emitted_icmp(sink.frames[0]).type() == IcmpType::echo_reply);
}

TEST_CASE_METHOD(StackFixture, "options: a malformed option earns a parameter problem pointing at it") {
  introduce_peer();
  const auto options = bytes({7, 2, 4, 0});  // record route of length 2: shorter than its pointer
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8), 0, 1, 0x4000, options)));
  REQUIRE(sink.frames.size() == 1);
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK(icmp.type() == IcmpType::parameter_problem);
  CHECK(icmp.code() == 0);
  CHECK(load_u8(icmp.message(), 4) >= 20);  // the pointer counts from the IP header's start
  CHECK(count(Counter::ip_drop_bad_options) == 1);
}

TEST_CASE_METHOD(StackFixture, "options: a source-routed datagram is dropped silently by a host") {
  introduce_peer();
  const auto lsrr = bytes({131, 7, 4, 10, 0, 0, 9, 0});
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 8), 0, 1, 0x4000, lsrr)));
  CHECK(sink.frames.empty());
  CHECK(count(Counter::ip_drop_source_route) == 1);
}

TEST_CASE_METHOD(StackFixture, "rate limit: a burst of closed-port probes gets 6 errors, then one per second") {
  introduce_peer();
  const Frame frame = ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(33434, 33435, 0)));
  for (int i = 0; i < 20; ++i) feed(frame, t0 + std::chrono::milliseconds(i));
  CHECK(sink.frames.size() == 6);  // XRLIM_BURST_FACTOR: the per-host bucket starts full
  CHECK(count(Counter::icmp_errors_rate_limited) == 14);
  // An error not sent is no drop: the datagram is counted by what earned it the error.
  CHECK(count(Counter::udp_port_unreachable) == 20);
  CHECK(stack->counters().total_drops() == 0);
  feed(frame, t0 + 1020ms);
  CHECK(sink.frames.size() == 7);
}

TEST_CASE_METHOD(StackFixture, "rate limit: with echo reply's bit in icmp_ratemask, requests over the limit go unanswered") {
  config.icmp.ratemask |= 1u << 0;  // ICMP type 0, echo reply
  reconfigure();
  introduce_peer();
  for (int i = 0; i < 10; ++i) feed(echo_request_frame(static_cast<std::uint16_t>(i)), t0);
  CHECK(sink.frames.size() == 6);
  // An unanswered request is a drop, counted apart from the errors the limit held back.
  CHECK(count(Counter::icmp_drop_reply_rate_limited) == 4);
  CHECK(count(Counter::icmp_errors_rate_limited) == 0);
  CHECK(stack->counters().total_drops() == 4);
}

TEST_CASE_METHOD(StackFixture, "rate limit: echo replies are never limited by default") {
  introduce_peer();
  for (int i = 0; i < 100; ++i) feed(echo_request_frame(static_cast<std::uint16_t>(i)), t0);
  CHECK(sink.frames.size() == 100);
}
