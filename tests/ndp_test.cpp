#include "stack/wire/ndp.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {

// The body (after type, code, checksum) of the NS Linux sends for fd00::2 with its SLLA
// (`ping -6 fd00::2` from 02:00:0a:00:00:01).
const Frame kSolicitation = bytes({0x00, 0x00, 0x00, 0x00,                                        // reserved
                                   0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,       // target
                                   0x01, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01});             // SLLA
// An NA with S and O set for fd00::2 and its TLLA.
const Frame kAdvertisement = bytes({0x60, 0x00, 0x00, 0x00,                                       // S, O
                                    0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
                                    0x02, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02});            // TLLA
const Ipv6Addr kTarget = *Ipv6Addr::parse("fd00::2");

}  // namespace

TEST_CASE("ndp: a neighbour solicitation parses into its target and source link-layer address") {
  const auto ns = NeighbourSolicitation::parse(kSolicitation);
  REQUIRE(ns);
  CHECK(ns->target == kTarget);
  CHECK(ns->source_mac == kPeerMac);
}

TEST_CASE("ndp: a DAD probe has no source link-layer option") {
  const auto ns = NeighbourSolicitation::parse(Bytes(kSolicitation).first(kNdpSolicitationBodyLen));
  REQUIRE(ns);
  CHECK_FALSE(ns->source_mac);
}

TEST_CASE("ndp: a neighbour advertisement parses its flags, target and target link-layer address") {
  const auto na = NeighbourAdvertisement::parse(kAdvertisement);
  REQUIRE(na);
  CHECK_FALSE(na->router);
  CHECK(na->solicited);
  CHECK(na->override);
  CHECK(na->target == kTarget);
  CHECK(na->target_mac == kOurMac);
}

TEST_CASE("ndp: emit then parse is the identity, byte for byte what Linux sends") {
  const NeighbourSolicitation ns{kTarget, kPeerMac};
  Frame out(ns.body_len());
  ns.emit(out);
  CHECK(out == kSolicitation);
  CHECK(NeighbourSolicitation::parse(out) == ns);

  const NeighbourAdvertisement na{.solicited = true, .override = true, .target = kTarget, .target_mac = kOurMac};
  Frame na_out(na.body_len());
  na.emit(na_out);
  CHECK(na_out == kAdvertisement);
  CHECK(NeighbourAdvertisement::parse(na_out) == na);

  const NeighbourAdvertisement router{.router = true, .target = kTarget, .target_mac = std::nullopt};
  Frame router_out(router.body_len());
  router.emit(router_out);
  CHECK(router_out.size() == kNdpAdvertisementBodyLen);
  CHECK(NeighbourAdvertisement::parse(router_out) == router);
}

TEST_CASE("ndp: every truncation of the fixed part is rejected as truncated") {
  for (std::size_t len = 0; len < kNdpSolicitationBodyLen; ++len) {
    INFO("length " << len);
    CHECK(NeighbourSolicitation::parse(Bytes(kSolicitation).first(len)).error() == NdpError::truncated);
    CHECK(NeighbourAdvertisement::parse(Bytes(kAdvertisement).first(len)).error() == NdpError::truncated);
  }
  CHECK(RouterSolicitation::parse(Bytes(kSolicitation).first(3)).error() == NdpError::truncated);
  CHECK(RouterAdvertisement::parse(Bytes(kSolicitation).first(11)).error() == NdpError::truncated);
  CHECK(check_redirect(Bytes(kSolicitation)).error() == NdpError::truncated);
}

TEST_CASE("ndp: an option of length 0 or running past the message invalidates it (RFC 4861 §4.6)") {
  Frame zero = kSolicitation;
  zero[21] = std::byte{0};
  CHECK(NeighbourSolicitation::parse(zero).error() == NdpError::bad_option);

  Frame past = kSolicitation;
  past[21] = std::byte{2};
  CHECK(NeighbourSolicitation::parse(past).error() == NdpError::bad_option);

  Frame half = kSolicitation;
  half.resize(kNdpSolicitationBodyLen + 1);
  CHECK(NeighbourSolicitation::parse(half).error() == NdpError::bad_option);
}

TEST_CASE("ndp: a link-layer option longer than Ethernet's is refused, as Linux's ndisc_opt_addr_data") {
  Frame long_slla = kSolicitation;
  long_slla[21] = std::byte{2};
  long_slla.resize(long_slla.size() + 8);
  CHECK(NeighbourSolicitation::parse(long_slla).error() == NdpError::bad_link_layer);
}

TEST_CASE("ndp: unknown options are skipped and the first of repeated link-layer options wins") {
  Frame with_more = kSolicitation;
  // An unknown option (type 200, 8 bytes), then a second SLLA with another MAC.
  for (int b : {200, 1, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x99})
    with_more.push_back(std::byte(b));
  const auto ns = NeighbourSolicitation::parse(with_more);
  REQUIRE(ns);
  CHECK(ns->source_mac == kPeerMac);
}

TEST_CASE("ndp: router solicitations and advertisements parse their fixed fields") {
  const Frame rs = bytes({0, 0, 0, 0, 0x01, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01});
  const auto parsed_rs = RouterSolicitation::parse(rs);
  REQUIRE(parsed_rs);
  CHECK(parsed_rs->source_mac == kPeerMac);

  const Frame ra = bytes({64, 0xc0, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8});
  const auto parsed_ra = RouterAdvertisement::parse(ra);
  REQUIRE(parsed_ra);
  CHECK(parsed_ra->cur_hop_limit == 64);
  CHECK(parsed_ra->managed);
  CHECK(parsed_ra->other);
  CHECK(parsed_ra->router_lifetime == 1800);
  CHECK(parsed_ra->reachable_time == 30000);
  CHECK(parsed_ra->retrans_timer == 1000);
  CHECK_FALSE(parsed_ra->source_mac);
}
