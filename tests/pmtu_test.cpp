// Path MTU discovery in the stack (RFC 1191, RFC 5927 §4.3, Linux's icmp_unreach → icmp_err →
// ipv4_update_pmtu) and the options ICMP errors carry (Linux's __icmp_send → ip_options_echo).
#include "stack/wire/ip_options.hpp"

#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace tapstack;
using namespace tapstack::test;

namespace {

// The first 28 bytes of an ICMP message of `type` (1400 bytes of data) from src to dst: what a
// router quotes.
Frame quoted(IcmpType type = IcmpType::echo_reply, Ipv4Addr dst = kPeerIp, Ipv4Addr src = kOurIp,
             IpProtocol protocol = IpProtocol::icmp) {
  Frame d = ipv4(src, dst, protocol, icmp_echo(0x1c, 1, 1400, type), 0, 0x5a5a, 0);
  d.resize(28);
  return d;
}

// A quote cut after the IP header: no 8 bytes to tell whose datagram it was.
Frame header_only() {
  Frame q = quoted();
  q.resize(kIpv4MinHeaderLen);
  return q;
}

Frame frag_needed(std::uint16_t mtu, const Frame& quote, MacAddr eth_dst = kOurMac, Ipv4Addr dst = kOurIp) {
  Frame m(kIcmpHeaderLen + quote.size());
  IcmpRepr{.type = IcmpType::dest_unreachable, .code = 4, .rest = mtu}.emit(m);
  std::copy(quote.begin(), quote.end(), m.begin() + kIcmpHeaderLen);
  store_be16(m, icmp_field::checksum, internet_checksum(m));
  return ethernet(eth_dst, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, dst, IpProtocol::icmp, m, 0, 0x99, 0));
}

// Lengths of the IPv4 datagrams in the sink.
std::vector<std::size_t> datagram_lengths(const std::vector<Emitted>& frames) {
  std::vector<std::size_t> lens;
  for (const Emitted& e : frames) lens.push_back(emitted_ipv4(e).total_len());
  return lens;
}

}  // namespace

TEST_CASE_METHOD(StackFixture, "pmtu: after frag needed quoting our echo reply, large replies are fragmented to it") {
  introduce_peer();
  feed(frag_needed(1000, quoted()));
  CHECK(count(Counter::icmp_frag_needed_in) == 1);
  CHECK(count(Counter::pmtu_learned) == 1);
  CHECK(sink.frames.empty());  // an error is never answered
  feed(echo_request_frame(2, 1400));
  // 1428 bytes at MTU 1000: (1000 - 20) & ~7 = 976 bytes of data, then the other 432.
  CHECK(datagram_lengths(sink.frames) == std::vector<std::size_t>{996, 452});
  const auto first = emitted_ipv4(sink.frames[0]);
  const auto second = emitted_ipv4(sink.frames[1]);
  CHECK(first.more_fragments());
  CHECK_FALSE(first.dont_fragment());  // Linux's ICMP socket never sets DF
  CHECK(second.frag_offset() == 976);
  CHECK(first.ident() == second.ident());
  CHECK(count(Counter::ip_frags_out) == 2);
}

TEST_CASE_METHOD(StackFixture, "pmtu: a report below min_pmtu gives 552; --min-pmtu moves the floor") {
  config.pmtu.min_pmtu = GENERATE(as<std::uint16_t>{}, 552, 1000);
  reconfigure();
  introduce_peer();
  feed(frag_needed(0, quoted()));
  feed(echo_request_frame(2, 1400));
  REQUIRE(sink.frames.size() >= 2);
  // Fragment data is a multiple of 8: at 552, 528 bytes behind the header.
  CHECK(emitted_ipv4(sink.frames[0]).total_len() == ((config.pmtu.min_pmtu - 20u) & ~7u) + 20u);
  CHECK(count(Counter::pmtu_floored) == 1);
  REQUIRE(stack->path_mtus().entries().size() == 1);
  CHECK(stack->path_mtus().entries()[0].locked);
}

TEST_CASE_METHOD(StackFixture, "pmtu: a report not quoting an echo reply of ours is not believed (RFC 5927)") {
  introduce_peer();
  const Frame bogus = GENERATE(quoted(IcmpType::echo_reply, kPeerIp, Ipv4Addr::from_octets(10, 0, 0, 99)),
                               quoted(IcmpType::echo_request), quoted(IcmpType::timestamp_reply),
                               quoted(IcmpType::echo_reply, kPeerIp, kOurIp, IpProtocol::udp),
                               quoted(IcmpType::echo_reply, Ipv4Addr::from_octets(192, 168, 7, 7)),
                               quoted(IcmpType::echo_reply, Ipv4Addr::from_octets(10, 0, 0, 255)),
                               header_only());
  feed(frag_needed(600, bogus));
  CHECK(count(Counter::pmtu_drop_not_ours) == 1);
  CHECK(stack->path_mtus().entries().empty());
  feed(echo_request_frame(2, 1400));
  CHECK(datagram_lengths(sink.frames) == std::vector<std::size_t>{1428});
}

TEST_CASE_METHOD(StackFixture, "pmtu: frag needed to a broadcast is not looked at") {
  introduce_peer();
  feed(frag_needed(600, quoted(), MacAddr::broadcast(), Ipv4Addr::from_octets(10, 0, 0, 255)));
  CHECK(count(Counter::icmp_frag_needed_in) == 0);
  CHECK(count(Counter::icmp_drop_broadcast_type) == 1);
  CHECK(stack->path_mtus().entries().empty());
}

TEST_CASE_METHOD(StackFixture, "pmtu: a larger report is ignored and counted") {
  introduce_peer();
  feed(frag_needed(9000, quoted()));
  CHECK(count(Counter::pmtu_drop_larger) == 1);
  CHECK(stack->path_mtus().entries().empty());
}

TEST_CASE_METHOD(StackFixture, "pmtu: an ICMP error to a floored path quotes at most 552 bytes in all") {
  introduce_peer();
  feed(frag_needed(300, quoted()));
  feed(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(5000, 9, 1200))));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_ipv4(sink.frames[0]).total_len() == 552);
}

TEST_CASE_METHOD(StackFixture, "pmtu: the learned MTU expires on the timer after mtu_expires") {
  introduce_peer();
  feed(frag_needed(1000, quoted()));
  REQUIRE(stack->next_deadline());
  CHECK(*stack->next_deadline() <= t0 + 600s);
  stack->on_timer(t0 + 600s);
  CHECK(stack->path_mtus().entries().empty());
  CHECK(count(Counter::pmtu_expired) == 1);
  feed(arp_request_for_us(), t0 + 600s);  // the neighbour entry is long gone too
  sink.frames.clear();
  feed(echo_request_frame(2, 1400), t0 + 600s);
  CHECK(datagram_lengths(sink.frames) == std::vector<std::size_t>{1428});
}

// ---- options in ICMP errors -------------------------------------------------------------------

namespace {

// ping -R's option: NOP, record route with nine empty slots.
Frame record_route() {
  Frame o = bytes({0x01, 0x07, 39, 4});
  o.resize(40);
  return o;
}

Frame with_options(IpProtocol protocol, const Frame& payload, const Frame& options) {
  return ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, protocol, payload, 0, 0x1234, 0x4000, options));
}

}  // namespace

TEST_CASE_METHOD(StackFixture, "error options: port and protocol unreachable echo record route with our address") {
  introduce_peer();
  const bool udp_case = GENERATE(true, false);
  const Frame request = udp_case ? with_options(IpProtocol::udp, udp(5000, 33434, 32), record_route())
                                 : with_options(IpProtocol{253}, Frame(40, std::byte{7}), record_route());
  feed(request);
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  REQUIRE(ip.header_len() == 60);
  const Bytes opts = ip.header().subspan(20);
  // NOP is not echoed; RR comes first with two slots used: ours on receipt, ours on sending.
  CHECK(load_u8(opts, 0) == ipopt::rr);
  CHECK(load_u8(opts, 2) == 12);
  CHECK(Ipv4Addr{load_be32(opts, 3)} == kOurIp);
  CHECK(Ipv4Addr{load_be32(opts, 7)} == kOurIp);
  // The quote is the offender's header as Linux holds it: options rewritten on receipt.
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK((load_u8(icmp.data(), 0) & 0x0f) == 15);
  CHECK(load_u8(icmp.data(), 20 + 3) == 8);  // the RR pointer after our address went in
}

TEST_CASE_METHOD(StackFixture, "error options: the 576-byte limit counts the echoed options") {
  introduce_peer();
  feed(with_options(IpProtocol::udp, udp(5000, 33434, 1200), record_route()));
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  CHECK(ip.header_len() == 60);
  CHECK(ip.total_len() == 576);
}

TEST_CASE_METHOD(StackFixture, "error options: a timestamp option is echoed with our time in a fresh slot") {
  introduce_peer();
  Frame ts_only = bytes({0x44, 40, 5, 0x00});  // ping -T tsonly
  ts_only.resize(40);
  feed(with_options(IpProtocol::udp, udp(5000, 33434, 32), ts_only));
  REQUIRE(sink.frames.size() == 1);
  const auto ip = emitted_ipv4(sink.frames[0]);
  REQUIRE(ip.header_len() == 60);
  const Bytes opts = ip.header().subspan(20);
  CHECK(load_u8(opts, 0) == ipopt::timestamp);
  CHECK(load_u8(opts, 2) == 13);  // stamped on receipt, then again as the error left
  CHECK(load_be32(opts, 4) != 0);
  CHECK(load_be32(opts, 4) == load_be32(opts, 8));
}

TEST_CASE_METHOD(StackFixture, "error options: a parameter problem echoes the record route compiled before the bad option") {
  introduce_peer();
  // RR with two slots, then an option whose length runs past the header (Linux 6.18 answers
  // this with the RR echoed: its IPCB(skb)->opt had rr set when compiling stopped).
  Frame options = bytes({0x07, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0x9e, 20, 0, 0, 0});
  feed(with_options(IpProtocol::icmp, icmp_echo(0x1c, 1, 56), options));
  REQUIRE(sink.frames.size() == 1);
  const auto icmp = emitted_icmp(sink.frames[0]);
  CHECK(icmp.type() == IcmpType::parameter_problem);
  CHECK(icmp.rest() >> 24 == 31);
  const auto ip = emitted_ipv4(sink.frames[0]);
  REQUIRE(ip.header_len() == 32);
  const Bytes opts = ip.header().subspan(20);
  CHECK(load_u8(opts, 0) == ipopt::rr);
  CHECK(load_u8(opts, 2) == 12);
  CHECK(Ipv4Addr{load_be32(opts, 3)} == kOurIp);
  CHECK(Ipv4Addr{load_be32(opts, 7)} == kOurIp);
}

TEST_CASE_METHOD(StackFixture, "error options: a bad first option leaves nothing to echo") {
  introduce_peer();
  feed(with_options(IpProtocol::icmp, icmp_echo(0x1c, 1, 56), bytes({0x07, 2, 4, 0})));
  REQUIRE(sink.frames.size() == 1);
  CHECK(emitted_icmp(sink.frames[0]).type() == IcmpType::parameter_problem);
  CHECK(emitted_ipv4(sink.frames[0]).header_len() == 20);
}
