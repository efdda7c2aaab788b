#include "stack/wire/ipv6.hpp"

#include "ipv6_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {
// An echo request fd00::1 > fd00::2, traffic class 0, flow label 0x12345, id 0x1c seq 1 and 8
// bytes of data 00..07; the ICMPv6 checksum summed independently in Python.
const Frame kEchoRequest = bytes({0x60, 0x01, 0x23, 0x45, 0x00, 0x10, 0x3a, 0x40, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00,
                                  0x79, 0x83, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07});

Ipv6Chain walk(const Frame& datagram, Ipv6WalkRules rules = {}) {
  const auto ip = Ipv6View::parse(datagram);
  REQUIRE(ip);
  return walk_extension_headers(*ip, chain_start(*ip), rules);
}

Frame option(std::uint8_t type, std::size_t value_len, std::uint8_t fill = 0) {
  Frame o{static_cast<std::byte>(type), static_cast<std::byte>(value_len)};
  o.insert(o.end(), value_len, std::byte{fill});
  return o;
}

const Frame kUdp = udp6(1, 2, 4, kPeerIp6, kOurIp6);
}  // namespace

TEST_CASE("ipv6: a built echo request parses with every field") {
  const auto v = Ipv6View::parse(kEchoRequest);
  REQUIRE(v);
  CHECK(v->traffic_class() == 0);
  CHECK(v->flow_label() == 0x12345);
  CHECK(v->payload_len() == 16);
  CHECK(v->next_header() == IpProtocol::icmpv6);
  CHECK(v->hop_limit() == 64);
  CHECK(v->src() == kPeerIp6);
  CHECK(v->dst() == kOurIp6);
  CHECK(v->payload().size() == 16);
}

TEST_CASE("ipv6: Ipv6Repr emits the bytes it parses from") {
  const auto v = Ipv6View::parse(kEchoRequest);
  REQUIRE(v);
  const Ipv6Repr r{.src = v->src(), .dst = v->dst(), .next_header = v->next_header(), .hop_limit = v->hop_limit(),
                   .traffic_class = v->traffic_class(), .flow_label = v->flow_label(), .payload_len = v->payload_len()};
  Frame out(kIpv6HeaderLen);
  r.emit(out);
  CHECK(out == Frame(kEchoRequest.begin(), kEchoRequest.begin() + kIpv6HeaderLen));
}

TEST_CASE("ipv6: every truncation of a valid datagram is rejected as truncated") {
  for (std::size_t len = 0; len < kEchoRequest.size(); ++len) {
    INFO("length " << len);
    const auto v = Ipv6View::parse(Bytes(kEchoRequest).first(len));
    REQUIRE_FALSE(v);
    CHECK(v.error() == Ipv6Error::truncated);
  }
}

TEST_CASE("ipv6: link-layer padding after the payload is cut off") {
  Frame padded = kEchoRequest;
  padded.resize(80, std::byte{0xee});
  const auto v = Ipv6View::parse(padded);
  REQUIRE(v);
  CHECK(v->datagram().size() == kEchoRequest.size());
}

TEST_CASE("ipv6: a version other than 6 is rejected") {
  Frame p = kEchoRequest;
  store_u8(p, 0, 0x40);
  CHECK(Ipv6View::parse(p).error() == Ipv6Error::bad_version);
}

TEST_CASE("ipv6 chain: no extension headers end at the upper layer right after the header") {
  const Ipv6Chain c = walk(kEchoRequest);
  CHECK(c.fate == Ipv6ChainFate::upper_layer);
  CHECK(c.protocol == IpProtocol::icmpv6);
  CHECK(c.offset == kIpv6HeaderLen);
  CHECK(c.next_header_at == ipv6_field::next_header);
}

TEST_CASE("ipv6 chain: hop-by-hop, destination options and routing with no segments left are walked") {
  const Frame d = ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp,
                       {options_header(IpProtocol::hop_by_hop, option(ipv6_option::router_alert, 2)),
                        options_header(IpProtocol::dst_options, {}), routing_header(0, 0),
                        options_header(IpProtocol::dst_options, option(0x1e, 3))});
  const Ipv6Chain c = walk(d);
  CHECK(c.fate == Ipv6ChainFate::upper_layer);
  CHECK(c.protocol == IpProtocol::udp);
  CHECK(c.offset == kIpv6HeaderLen + 8 + 8 + 24 + 8);
  CHECK(c.next_header_at == kIpv6HeaderLen + 8 + 8 + 24);
  CHECK(c.headers == 4);
}

TEST_CASE("ipv6 chain: an unknown option is handled by its two high-order bits") {
  struct Case {
    std::uint8_t type;
    bool multicast;
    Ipv6ChainFate fate;
  };
  const Case cases[] = {
      {0x1e, false, Ipv6ChainFate::upper_layer},        {0x5e, false, Ipv6ChainFate::option_discarded},
      {0x9e, false, Ipv6ChainFate::parameter_problem},  {0x9e, true, Ipv6ChainFate::parameter_problem},
      {0xde, false, Ipv6ChainFate::parameter_problem},  {0xde, true, Ipv6ChainFate::option_discarded},
  };
  for (const Case& k : cases) {
    for (IpProtocol header : {IpProtocol::hop_by_hop, IpProtocol::dst_options}) {
      INFO("option 0x" << std::hex << int{k.type} << " header " << std::dec << int{std::to_underlying(header)});
      const Ipv6Addr dst = k.multicast ? Ipv6Addr::all_nodes() : kOurIp6;
      const Frame d = ipv6(kPeerIp6, dst, IpProtocol::udp, kUdp, {options_header(header, option(k.type, 4))});
      const Ipv6Chain c = walk(d);
      CHECK(c.fate == k.fate);
      if (c.fate == Ipv6ChainFate::parameter_problem) {
        CHECK(c.code == Ipv6ParamProblemCode::unknown_option);
        CHECK(c.pointer == kIpv6HeaderLen + 2);  // the option's type byte
      }
    }
  }
}

TEST_CASE("ipv6 chain: a parameter problem points at the offending option, not the first") {
  Frame opts = option(0x1e, 0);
  const Frame bad = option(0x80, 0);
  opts.insert(opts.end(), bad.begin(), bad.end());
  const Ipv6Chain c = walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {options_header(IpProtocol::dst_options, opts)}));
  REQUIRE(c.fate == Ipv6ChainFate::parameter_problem);
  CHECK(c.pointer == kIpv6HeaderLen + 4);
}

TEST_CASE("ipv6 chain: malformed options are dropped without a word, as Linux's ip6_parse_tlv()") {
  SECTION("an option running past its header") {
    Frame body{std::byte{0x1e}, std::byte{10}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {{IpProtocol::dst_options, body}})).fate ==
          Ipv6ChainFate::bad_options);
  }
  SECTION("PadN longer than 7 bytes") {
    Frame body = option(ipv6_option::padn, 12);
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {{IpProtocol::dst_options, body}})).fate ==
          Ipv6ChainFate::bad_options);
  }
  SECTION("PadN with a non-zero byte") {
    Frame body = option(ipv6_option::padn, 4, 0x01);
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {{IpProtocol::dst_options, body}})).fate ==
          Ipv6ChainFate::bad_options);
  }
  SECTION("nine options in one header") {
    Frame opts;
    for (int i = 0; i < 9; ++i) {
      const Frame o = option(0x1e, 0);
      opts.insert(opts.end(), o.begin(), o.end());
    }
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {options_header(IpProtocol::dst_options, opts)})).fate ==
          Ipv6ChainFate::bad_options);
  }
  SECTION("eight options pass") {
    Frame opts;
    for (int i = 0; i < 8; ++i) {
      const Frame o = option(0x1e, 0);
      opts.insert(opts.end(), o.begin(), o.end());
    }
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {options_header(IpProtocol::dst_options, opts)})).fate ==
          Ipv6ChainFate::upper_layer);
  }
  SECTION("a router alert of the wrong length") {
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp,
                    {options_header(IpProtocol::hop_by_hop, option(ipv6_option::router_alert, 4))}))
              .fate == Ipv6ChainFate::bad_options);
  }
}

TEST_CASE("ipv6 chain: hop-by-hop anywhere but first is an unknown next header") {
  const Frame d = ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp,
                       {options_header(IpProtocol::dst_options, {}), options_header(IpProtocol::hop_by_hop, {})});
  const Ipv6Chain c = walk(d);
  REQUIRE(c.fate == Ipv6ChainFate::parameter_problem);
  CHECK(c.code == Ipv6ParamProblemCode::unknown_next_header);
  CHECK(c.pointer == kIpv6HeaderLen);  // the destination options header's next header field
}

TEST_CASE("ipv6 chain: routing type 0 with segments left is refused pointing at the type (RFC 5095)") {
  const Ipv6Chain c = walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {routing_header(0, 1)}));
  REQUIRE(c.fate == Ipv6ChainFate::parameter_problem);
  CHECK(c.code == Ipv6ParamProblemCode::header_field);
  CHECK(c.pointer == kIpv6HeaderLen + ipv6_routing_field::type);
}

TEST_CASE("ipv6 chain: an unknown routing type is ignored with no segments left, refused with some") {
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {routing_header(253, 0)})).fate == Ipv6ChainFate::upper_layer);
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {routing_header(253, 2)})).fate ==
        Ipv6ChainFate::parameter_problem);
}

TEST_CASE("ipv6 chain: segment routing, RPL and mobile routing headers and any to multicast are dropped") {
  for (std::uint8_t type : {ipv6_routing_type::mobile_ipv6, ipv6_routing_type::rpl, ipv6_routing_type::segment}) {
    CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {routing_header(type, 1)})).fate ==
          Ipv6ChainFate::routing_discarded);
  }
  CHECK(walk(ipv6(kPeerIp6, Ipv6Addr::all_nodes(), IpProtocol::udp, kUdp, {routing_header(0, 0)})).fate ==
        Ipv6ChainFate::routing_discarded);
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {routing_header(0, 0)}), {.link_host = false}).fate ==
        Ipv6ChainFate::routing_discarded);
}

TEST_CASE("ipv6 chain: fragment and no-next-header end the walk where they are") {
  Frame frag_body(6);
  const Ipv6Chain f = walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp,
                                {options_header(IpProtocol::dst_options, {}), {IpProtocol::fragment, frag_body}}));
  CHECK(f.fate == Ipv6ChainFate::fragment);
  CHECK(f.offset == kIpv6HeaderLen + 8);
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::no_next, {})).fate == Ipv6ChainFate::no_next_header);
}

TEST_CASE("ipv6 chain: an extension header past the payload is truncated") {
  Frame d = ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, {}, {options_header(IpProtocol::dst_options, option(0x1e, 12))});
  // Cut the payload length so the header claims 16 bytes and 8 remain.
  store_be16(d, ipv6_field::payload_len, 8);
  d.resize(kIpv6HeaderLen + 8);
  CHECK(walk(d).fate == Ipv6ChainFate::truncated);
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::dst_options, bytes({17, 0, 0, 0}))).fate == Ipv6ChainFate::truncated);
}

TEST_CASE("ipv6 chain: the walk stops after kIpv6MaxExtensionHeaders headers") {
  std::vector<ExtHeader> ext(kIpv6MaxExtensionHeaders, options_header(IpProtocol::dst_options, {}));
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, ext)).fate == Ipv6ChainFate::upper_layer);
  ext.push_back(options_header(IpProtocol::dst_options, {}));
  CHECK(walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, ext)).fate == Ipv6ChainFate::too_long);
}

TEST_CASE("ipv6 chain: hop_by_hop_only stops behind the hop-by-hop header, and continue_from goes on") {
  const Frame d = ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp,
                       {options_header(IpProtocol::hop_by_hop, {}), routing_header(0, 1)});
  const auto ip = Ipv6View::parse(d);
  REQUIRE(ip);
  const Ipv6Chain first = walk_extension_headers(*ip, chain_start(*ip), {.hop_by_hop_only = true});
  REQUIRE(first.fate == Ipv6ChainFate::more);
  CHECK(first.protocol == IpProtocol::routing);
  const Ipv6Chain rest = walk_extension_headers(*ip, continue_from(first));
  CHECK(rest.fate == Ipv6ChainFate::parameter_problem);
  // Without a hop-by-hop header the first walk stops at once.
  const auto plain = Ipv6View::parse(kEchoRequest);
  REQUIRE(plain);
  CHECK(walk_extension_headers(*plain, chain_start(*plain), {.hop_by_hop_only = true}).fate == Ipv6ChainFate::more);
}

TEST_CASE("ipv6 chain: a jumbo payload option in a datagram under 64 KiB is a parameter problem") {
  Frame jumbo = option(ipv6_option::jumbo, 4);
  store_be32(jumbo, 2, 70000);
  const Ipv6Chain c = walk(ipv6(kPeerIp6, kOurIp6, IpProtocol::udp, kUdp, {options_header(IpProtocol::hop_by_hop, jumbo)}));
  REQUIRE(c.fate == Ipv6ChainFate::parameter_problem);
  CHECK(c.code == Ipv6ParamProblemCode::header_field);
  CHECK(c.pointer == kIpv6HeaderLen + 2);  // payload length is not 0: points at the option
}
