#include "stack/fragmenter.hpp"

#include "stack/wire/checksum.hpp"
#include "stack/wire/ip_options.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

using namespace tapstack;

namespace {

using Buffer = std::vector<std::byte>;

Buffer datagram(std::size_t payload_len, std::uint16_t flags_frag = 0, Buffer options = {},
                std::uint16_t ident = 0xbeef) {
  Ipv4Repr repr;
  repr.src = Ipv4Addr::from_octets(10, 0, 0, 2);
  repr.dst = Ipv4Addr::from_octets(10, 0, 0, 1);
  repr.protocol = IpProtocol::icmp;
  repr.tos = 0x28;
  repr.ttl = 64;
  repr.ident = ident;
  repr.flags_frag = flags_frag;
  repr.options = options;
  repr.payload_len = payload_len;
  Buffer out(repr.total_len());
  repr.emit(out);
  for (std::size_t i = 0; i < payload_len; ++i)
    out[repr.header_len() + i] = std::byte(static_cast<std::uint8_t>(i * 31 + 5));
  return out;
}

Ipv4View view(const Buffer& b) {
  auto v = Ipv4View::parse(b);
  REQUIRE(v);  // checksum verified
  return *v;
}

std::vector<Buffer> fragment_all(const Buffer& d, std::size_t mtu) {
  auto f = Fragmenter::create(view(d), mtu);
  REQUIRE(f);
  std::vector<Buffer> out;
  Buffer buf(f->max_fragment_len());
  while (auto n = f->next(buf)) out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  CHECK(f->done());
  CHECK(out.size() == f->fragment_count());
  return out;
}

}  // namespace

TEST_CASE("fragmenter: a datagram that fits the MTU comes out unchanged as one piece", "[fragmenter]") {
  const Buffer d = datagram(1480, kIpv4FlagDontFragment);
  const auto pieces = fragment_all(d, 1500);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0] == d);
}

TEST_CASE("fragmenter: ping -s 4000 is answered in 1480-byte pieces like Linux's", "[fragmenter]") {
  // 4000 bytes of data + 8 of ICMP header = 4008 bytes of IP payload.
  const Buffer d = datagram(4008);
  const auto pieces = fragment_all(d, 1500);
  REQUIRE(pieces.size() == 3);
  const std::size_t lens[] = {1500, 1500, 1068};
  const std::uint16_t flags[] = {kIpv4FlagMoreFragments | 0, kIpv4FlagMoreFragments | 185, 370};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto v = view(pieces[i]);
    CHECK(v.total_len() == lens[i]);
    CHECK(v.flags_frag() == flags[i]);
    CHECK(v.ident() == 0xbeef);
    CHECK(v.ttl() == 64);
    CHECK(v.tos() == 0x28);
    CHECK(v.protocol() == IpProtocol::icmp);
  }
}

TEST_CASE("fragmenter: ping -s 65000 is cut into 44 fragments covering the payload in order", "[fragmenter]") {
  const Buffer d = datagram(65008);
  const auto pieces = fragment_all(d, 1500);
  REQUIRE(pieces.size() == 44);
  Buffer rebuilt;
  for (const auto& p : pieces) {
    const auto v = view(p);
    CHECK(v.frag_offset() == rebuilt.size());
    rebuilt.insert(rebuilt.end(), v.payload().begin(), v.payload().end());
  }
  CHECK(rebuilt == Buffer(d.begin() + 20, d.end()));
  CHECK_FALSE(view(pieces.back()).more_fragments());
  CHECK(view(pieces.back()).total_len() == 20 + 65008 - 43 * 1480);
}

TEST_CASE("fragmenter: every piece but the last is a multiple of 8 and fits the MTU (seeded)", "[fragmenter]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    const std::size_t mtu = std::uniform_int_distribution<std::size_t>(68, 9000)(rng);
    const std::size_t len = std::uniform_int_distribution<std::size_t>(0, 65515)(rng);
    const Buffer d = datagram(len);
    INFO("mtu " << mtu << " payload " << len);
    const auto pieces = fragment_all(d, mtu);
    std::size_t covered = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const auto v = view(pieces[i]);
      CHECK(pieces[i].size() <= mtu);
      if (pieces.size() > 1) {
        CHECK(v.frag_offset() == covered);
        CHECK(v.more_fragments() == (i + 1 < pieces.size()));
        if (i + 1 < pieces.size()) CHECK(v.payload().size() % 8 == 0);
        // Linux fills each piece: (mtu - header) rounded down to 8.
        if (i + 1 < pieces.size()) CHECK(v.payload().size() == ((mtu - 20) & ~std::size_t{7}));
      }
      covered += v.payload().size();
    }
    CHECK(covered == len);
  }
}

TEST_CASE("fragmenter: later fragments keep copied options and replace the others with NOP", "[fragmenter]") {
  // RR (7, not copied), LSRR (131, copied), security (130, copied), a timestamp (68, not copied).
  const Buffer options = {
      std::byte{7},   std::byte{7}, std::byte{4}, std::byte{0},   std::byte{0},   std::byte{0}, std::byte{0},
      std::byte{131}, std::byte{7}, std::byte{4}, std::byte{192}, std::byte{168}, std::byte{0}, std::byte{1},
      std::byte{130}, std::byte{3}, std::byte{9}, std::byte{68},  std::byte{8},   std::byte{5}, std::byte{0},
      std::byte{0},   std::byte{0}, std::byte{0}, std::byte{0},   std::byte{1},   std::byte{0}, std::byte{0},
  };
  const Buffer d = datagram(3000, 0, options);
  REQUIRE(view(d).header_len() == 48);
  const auto pieces = fragment_all(d, 1500);
  REQUIRE(pieces.size() == 3);
  CHECK(Buffer(pieces[0].begin() + 20, pieces[0].begin() + 48) == Buffer(d.begin() + 20, d.begin() + 48));
  Buffer expected = Buffer(d.begin() + 20, d.begin() + 48);
  std::fill(expected.begin(), expected.begin() + 7, std::byte{1});
  std::fill(expected.begin() + 17, expected.begin() + 25, std::byte{1});
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    const auto v = view(pieces[i]);
    CHECK(v.header_len() == 48);
    CHECK(Buffer(v.options().begin(), v.options().end()) == expected);
  }
  // (1500 - 48) & ~7 = 1448 bytes per piece.
  CHECK(view(pieces[0]).payload().size() == 1448);
}

TEST_CASE("fragmenter: DF and the reserved bit are not carried into fragments", "[fragmenter]") {
  const Buffer d = datagram(3000, kIpv4FlagReserved);
  for (const auto& p : fragment_all(d, 1500)) {
    CHECK((view(p).flags_frag() & (kIpv4FlagReserved | kIpv4FlagDontFragment)) == 0);
  }
}

TEST_CASE("fragmenter: a datagram with DF that does not fit is refused for the caller to drop", "[fragmenter]") {
  CHECK(Fragmenter::create(view(datagram(1481, kIpv4FlagDontFragment)), 1500).error() == FragmentError::dont_fragment);
  CHECK(Fragmenter::create(view(datagram(1480, kIpv4FlagDontFragment)), 1500).has_value());
}

TEST_CASE("fragmenter: fragmenting a fragment keeps its offset base and MF", "[fragmenter]") {
  const Buffer d = datagram(2000, kIpv4FlagMoreFragments | 100);  // a middle piece at byte 800
  const auto pieces = fragment_all(d, 1000);
  REQUIRE(pieces.size() == 3);
  CHECK(view(pieces[0]).frag_offset() == 800);
  CHECK(view(pieces[1]).frag_offset() == 800 + 976);
  CHECK(view(pieces[2]).frag_offset() == 800 + 2 * 976);
  for (const auto& p : pieces) CHECK(view(p).more_fragments());
}

TEST_CASE("fragmenter: the smallest MTU still carries 8 bytes after a maximal header", "[fragmenter]") {
  Buffer options(40, std::byte{1});
  const Buffer d = datagram(100, 0, options);
  const auto pieces = fragment_all(d, 68);
  CHECK(pieces.size() == 13);
  CHECK(view(pieces[0]).payload().size() == 8);
  CHECK(view(pieces.back()).payload().size() == 4);
}

TEST_CASE("fragmenter: an MTU below 68 is refused", "[fragmenter]") {
  CHECK(Fragmenter::create(view(datagram(100)), 67).error() == FragmentError::mtu_too_small);
}

TEST_CASE("fragmenter: bytes after the total length (link padding) are ignored", "[fragmenter]") {
  Buffer d = datagram(2000);
  const Buffer exact = d;
  d.resize(d.size() + 10, std::byte{0xaa});
  auto f = Fragmenter::create(view(d), 1500);
  REQUIRE(f);
  Buffer buf(1500), all;
  while (auto n = f->next(buf)) {
    const Buffer piece(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    const auto v = view(piece);
    all.insert(all.end(), v.payload().begin(), v.payload().end());
  }
  CHECK(all == Buffer(exact.begin() + 20, exact.end()));
}

TEST_CASE("fragmenter: a buffer too small for the next piece yields nothing and does not advance", "[fragmenter]") {
  const Buffer d = datagram(3000);
  auto f = Fragmenter::create(view(d), 1500);
  REQUIRE(f);
  Buffer small(1499), big(1500);
  CHECK_FALSE(f->next(small));
  CHECK_FALSE(f->done());
  REQUIRE(f->next(big) == 1500u);
  CHECK(view(big).frag_offset() == 0);
}

TEST_CASE("fragmenter6: Linux's ip6_fragment layout, 1448 bytes a piece at MTU 1500", "[fragmenter]") {
  // An ICMPv6 echo of ping -6 -s 4000: 40 + 8 + 4000 bytes.
  Buffer d(40 + 4008);
  d[0] = std::byte{0x60};
  store_be16(d, 4, 4008);
  d[6] = std::byte{58};
  d[7] = std::byte{64};
  for (std::size_t i = 0; i < 4008; ++i) d[40 + i] = std::byte(static_cast<std::uint8_t>(i * 13 + 1));
  auto f = Fragmenter6::create(d, 40, 6, 1500, 0x01020304);
  REQUIRE(f);
  CHECK(f->fragment_count() == 3);
  CHECK(f->max_fragment_len() == 1496);
  Buffer out(f->max_fragment_len());
  const std::size_t expect_len[] = {1448, 1448, 1112};
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(f->next_len() == 48 + expect_len[k]);
    const auto n = f->next(out);
    REQUIRE(n);
    REQUIRE(*n == 48 + expect_len[k]);
    CHECK(std::equal(out.begin() + 8, out.begin() + 40, d.begin() + 8));  // addresses kept
    CHECK(std::to_integer<int>(out[0]) == 0x60);
    CHECK(load_be16(out, 4) == 8 + expect_len[k]);  // payload length: Fragment header and data
    CHECK(std::to_integer<int>(out[6]) == 44);       // the IPv6 header names the Fragment header
    CHECK(std::to_integer<int>(out[7]) == 64);
    CHECK(std::to_integer<int>(out[40]) == 58);  // which names ICMPv6
    CHECK(std::to_integer<int>(out[41]) == 0);
    CHECK(load_be16(out, 42) == ((k * 1448) | (k < 2 ? 1u : 0u)));
    CHECK(load_be32(out, 44) == 0x01020304);
    CHECK(std::equal(out.begin() + 48, out.begin() + 48 + static_cast<std::ptrdiff_t>(expect_len[k]),
                     d.begin() + 40 + static_cast<std::ptrdiff_t>(k * 1448)));
  }
  CHECK(f->done());
  CHECK_FALSE(f->next(out));
}

TEST_CASE("fragmenter6: fits unchanged; below 1280 or no room for 8 bytes is refused", "[fragmenter]") {
  Buffer d(1280);
  d[0] = std::byte{0x60};
  store_be16(d, 4, 1240);
  d[6] = std::byte{58};
  auto one = Fragmenter6::create(d, 40, 6, 1280, 1);
  REQUIRE(one);
  Buffer out(one->max_fragment_len());
  CHECK(one->next(out) == 1280);
  CHECK(out == d);
  CHECK(Fragmenter6::create(d, 40, 6, 1279, 1).error() == FragmentError::mtu_too_small);
  Buffer big(1400);
  CHECK(Fragmenter6::create(big, 1280, 6, 1280, 1).error() == FragmentError::mtu_too_small);
}
