// IPv6 fragments: the Fragment header codec, Reassembler6's RFC 8200 §4.5 / RFC 5722 / RFC 6946 /
// RFC 7112 rules as Linux's net/ipv6/reassembly.c applies them, and Fragmenter6 → Reassembler6.
#include "stack/fragmenter.hpp"
#include "stack/reassembly6.hpp"
#include "stack/wire/ipv6.hpp"
#include "stack/wire/ipv6_fragment.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

using Buffer = std::vector<std::byte>;
constexpr std::uint8_t kIcmpv6 = 58, kUdp = 17, kDestOptions = 60, kFragment = 44;

const Ipv6Addr kPeer = *Ipv6Addr::parse("fd00::1");
const Ipv6Addr kUs = *Ipv6Addr::parse("fd00::2");
const Instant t0{};

void put_header(Buffer& b, std::size_t payload_len, std::uint8_t next, std::uint8_t tclass = 0) {
  b[0] = std::byte(0x60 | (tclass >> 4));
  b[1] = std::byte(static_cast<std::uint8_t>(tclass << 4));
  store_be16(b, 4, static_cast<std::uint16_t>(payload_len));
  b[6] = std::byte(next);
  b[7] = std::byte(64);
  for (std::size_t i = 0; i < 16; ++i) {
    b[8 + i] = std::byte(kPeer.octets[i]);
    b[24 + i] = std::byte(kUs.octets[i]);
  }
}

std::byte data_byte(std::size_t i) { return std::byte(static_cast<std::uint8_t>(i * 7 + 3)); }

// A whole datagram: IPv6 header, an optional 8-byte destination options header, then
// `payload` bytes of the upper layer `next`.
Buffer whole(std::size_t payload, std::uint8_t next = kIcmpv6, bool dest_options = false) {
  const std::size_t ext = dest_options ? 8 : 0;
  Buffer b(40 + ext + payload);
  put_header(b, ext + payload, dest_options ? kDestOptions : next);
  if (dest_options) {
    b[40] = std::byte(next);  // Next Header; length 0 (8 bytes); a PadN of 4 follows
    b[42] = std::byte(1);
    b[43] = std::byte(4);
  }
  for (std::size_t i = 0; i < payload; ++i) b[40 + ext + i] = data_byte(i);
  return b;
}

// One fragment carrying bytes [offset, offset + len) of whole(...)'s upper-layer payload.
Buffer fragment(std::size_t offset, std::size_t len, bool more, std::uint32_t ident = 0x1234,
                std::uint8_t next = kIcmpv6, std::uint8_t tclass = 0) {
  Buffer b(48 + len);
  put_header(b, 8 + len, kFragment, tclass);
  Ipv6FragmentRepr{IpProtocol{next}, offset, more, ident}.emit(MutableBytes{b}.subspan(40));
  for (std::size_t i = 0; i < len; ++i) b[48 + i] = data_byte(offset + i);
  return b;
}

Ipv6Fragment at40(const Buffer& b) { return {b, 40}; }

Buffer bytes_of(Bytes b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("ipv6 fragment header: parse reads offset, M and identification, ignoring reserved bits", "[reassembly6]") {
  Buffer h{std::byte{17}, std::byte{0xff}, std::byte{0x05}, std::byte{0x3f}, std::byte{0xde}, std::byte{0xad},
           std::byte{0xbe}, std::byte{0xef}};
  auto v = Ipv6FragmentView::parse(h);
  REQUIRE(v);
  CHECK(v->next_header() == IpProtocol::udp);
  CHECK(v->offset() == 0x0538);  // the two reserved bits (0x6) are not part of it
  CHECK(v->more_fragments());
  CHECK(v->ident() == 0xdeadbeef);
  CHECK_FALSE(v->is_atomic());
  CHECK_FALSE(Ipv6FragmentView::parse(Bytes{h}.first(7)));

  Buffer out(8);
  Ipv6FragmentRepr{IpProtocol::udp, 0x0538, true, 0xdeadbeef}.emit(out);
  h[1] = std::byte{0};  // reserved fields go out as zero
  h[3] = std::byte{0x39};
  CHECK(out == h);
}

TEST_CASE("reassembly6: fragments in any order give the datagram, Fragment header removed", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  const Buffer a = fragment(0, 1232, true), b = fragment(1232, 1232, true), c = fragment(2464, 100, false);
  CHECK(r.on_fragment(at40(c), t0).status == ReassemblyStatus::held);
  CHECK(r.on_fragment(at40(a), t0).status == ReassemblyStatus::held);
  const auto done = r.on_fragment(at40(b), t0);
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK(bytes_of(done.datagram) == whole(2564));
  CHECK(r.incomplete() == 0);
  CHECK(r.bytes_held() == 0);
}

TEST_CASE("reassembly6: the unfragmentable part of the first fragment is kept, its Next Header rewritten",
          "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  // IPv6 header, destination options (unfragmentable here: it precedes the Fragment header).
  auto with_dest = [](std::size_t offset, std::size_t len, bool more) {
    Buffer f = fragment(offset, len, more, 7, kUdp);
    Buffer b(f.size() + 8);
    std::copy_n(f.begin(), 40, b.begin());
    b[6] = std::byte(kDestOptions);
    store_be16(b, 4, static_cast<std::uint16_t>(b.size() - 40));
    b[40] = std::byte(kFragment);
    b[42] = std::byte(1);
    b[43] = std::byte(4);
    std::copy(f.begin() + 40, f.end(), b.begin() + 48);
    return b;
  };
  const Buffer a = with_dest(0, 16, true), b = with_dest(16, 5, false);
  CHECK(r.on_fragment({a, 48}, t0).status == ReassemblyStatus::held);
  const auto done = r.on_fragment({b, 48}, t0);
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK(bytes_of(done.datagram) == whole(21, kUdp, true));
  CHECK(done.unfragmentable_len == 48);
  CHECK(done.next_header_at == 40);
}

TEST_CASE("reassembly6: an atomic fragment is not a fragment and touches no state (RFC 6946)", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  const Buffer held = fragment(0, 64, true, 99);
  CHECK(r.on_fragment(at40(held), t0).status == ReassemblyStatus::held);
  const Buffer atomic = fragment(0, 64, false, 99);  // same key: still not part of that datagram
  const auto res = r.on_fragment(at40(atomic), t0);
  CHECK(res.status == ReassemblyStatus::not_a_fragment);
  CHECK_FALSE(res.problem);
  CHECK(r.incomplete() == 1);
  CHECK(r.bytes_held() == 64);
}

TEST_CASE("reassembly6: refused fragments name the parameter problem Linux sends", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  SECTION("M set, length not a multiple of 8: code 0 at the payload length") {
    const auto res = r.on_fragment(at40(fragment(0, 100, true)), t0);
    CHECK(res.status == ReassemblyStatus::inconsistent);
    REQUIRE(res.problem);
    CHECK(res.problem->why == Ipv6FragmentRefusal::bad_length);
    CHECK(res.problem->code == 0);
    CHECK(res.problem->pointer == 4);
  }
  SECTION("ending beyond 65535: code 0 at the fragment offset") {
    const auto res = r.on_fragment(at40(fragment(65528, 16, false)), t0);
    REQUIRE(res.problem);
    CHECK(res.problem->why == Ipv6FragmentRefusal::beyond_max);
    CHECK(res.problem->code == 0);
    CHECK(res.problem->pointer == 42);
  }
  SECTION("a first fragment without the whole upper-layer header: code 3, pointer 0 (RFC 7112)") {
    const auto res = r.on_fragment(at40(fragment(0, 0, true, 1, kUdp)), t0);
    REQUIRE(res.problem);
    CHECK(res.problem->why == Ipv6FragmentRefusal::incomplete_chain);
    CHECK(res.problem->code == 3);
    CHECK(res.problem->pointer == 0);
    // A later fragment needs no upper-layer header.
    CHECK_FALSE(r.on_fragment(at40(fragment(8, 0, false, 1, kUdp)), t0).problem);
  }
  SECTION("a truncated Fragment header: code 0 pointing at it") {
    Buffer b = fragment(0, 8, true);
    b.resize(44);
    const auto res = r.on_fragment(at40(b), t0);
    REQUIRE(res.problem);
    CHECK(res.problem->why == Ipv6FragmentRefusal::truncated);
    CHECK(res.problem->pointer == 40);
  }
  CHECK(r.incomplete() == 0);
}

TEST_CASE("reassembly6: an overlap discards the datagram, a duplicate only itself (RFC 5722, Linux runs)",
          "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  CHECK(r.on_fragment(at40(fragment(0, 1232, true)), t0).status == ReassemblyStatus::held);
  CHECK(r.on_fragment(at40(fragment(8, 16, true)), t0).status == ReassemblyStatus::duplicate);
  CHECK(r.incomplete() == 1);
  CHECK(r.on_fragment(at40(fragment(1224, 16, true)), t0).status == ReassemblyStatus::overlap);
  CHECK(r.incomplete() == 0);
  // What follows starts a new datagram, which the last fragment alone cannot complete.
  CHECK(r.on_fragment(at40(fragment(1232, 8, false)), t0).status == ReassemblyStatus::held);
}

TEST_CASE("reassembly6: keyed on source, destination and identification, not on Next Header", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  CHECK(r.on_fragment(at40(fragment(0, 16, true, 5, kIcmpv6)), t0).status == ReassemblyStatus::held);
  CHECK(r.on_fragment(at40(fragment(16, 8, false, 6, kIcmpv6)), t0).status == ReassemblyStatus::held);
  const auto done = r.on_fragment(at40(fragment(16, 8, false, 5, kUdp)), t0);
  CHECK(done.status == ReassemblyStatus::complete);  // the first fragment's Next Header wins
  CHECK(r.incomplete() == 1);
}

TEST_CASE("reassembly6: ECN, CE on one ECT fragment marks the datagram; not-ECT mixed discards it", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  r.on_fragment(at40(fragment(0, 16, true, 1, kIcmpv6, 0x02)), t0);
  const auto ce = r.on_fragment(at40(fragment(16, 8, false, 1, kIcmpv6, 0x03)), t0);
  REQUIRE(ce.status == ReassemblyStatus::complete);
  CHECK((std::to_integer<unsigned>(ce.datagram[1]) >> 4) == 0x3);
  r.on_fragment(at40(fragment(0, 16, true, 2, kIcmpv6, 0x00)), t0);
  CHECK(r.on_fragment(at40(fragment(16, 8, false, 2, kIcmpv6, 0x02)), t0).status == ReassemblyStatus::ecn_mismatch);
}

TEST_CASE("reassembly6: 60 s timeout (ip6frag_time); the first fragment is handed back as it arrived", "[reassembly6]") {
  ReassemblyConfig config;
  CHECK(config.ipv6_timeout == 60s);
  Reassembler6 r{config};
  const Buffer first = fragment(0, 16, true, 77);
  r.on_fragment(at40(first), t0);
  r.on_fragment(at40(fragment(64, 8, false, 78)), t0 + 1s);
  CHECK(r.next_deadline() == t0 + 60s);
  CHECK_FALSE(r.pop_expired(t0 + 59s));
  const auto e = r.pop_expired(t0 + 60s);
  REQUIRE(e);
  CHECK(e->src == kPeer);
  CHECK(e->dst == kUs);
  CHECK(e->ident == 77);
  CHECK(bytes_of(e->first_fragment) == first);
  const auto e2 = r.pop_expired(t0 + 61s);
  REQUIRE(e2);
  CHECK(e2->first_fragment.empty());  // never had its first fragment: no ICMPv6 error
  CHECK(r.incomplete() == 0);
}

TEST_CASE("reassembly6: payload beyond 65535 once the unfragmentable part is counted is oversize", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  // 65528 + 8 = 65536 > 65535 is refused outright; 65520 + 15 = 65535 fits alone, but with an
  // 8-byte destination options header before the Fragment header the payload length is 65543.
  auto with_dest = [](std::size_t offset, std::size_t len, bool more) {
    Buffer f = fragment(offset, len, more, 9, kUdp);
    Buffer b(f.size() + 8);
    std::copy_n(f.begin(), 40, b.begin());
    b[6] = std::byte(kDestOptions);
    store_be16(b, 4, static_cast<std::uint16_t>(b.size() - 40));
    b[40] = std::byte(kFragment);
    std::copy(f.begin() + 40, f.end(), b.begin() + 48);
    return b;
  };
  for (std::size_t off = 0; off < 65520; off += 1232) {
    const std::size_t len = std::min<std::size_t>(1232, 65520 - off);
    CHECK(r.on_fragment({with_dest(off, len, true), 48}, t0).status == ReassemblyStatus::held);
  }
  CHECK(r.on_fragment({with_dest(65520, 15, false), 48}, t0).status == ReassemblyStatus::oversize);
  CHECK(r.incomplete() == 0);
}

TEST_CASE("fragmenter6 → reassembly6: 4000 and 65000 bytes of echo round-trip at 1500 and 1280", "[reassembly6]") {
  for (const std::size_t payload : {std::size_t{4008}, std::size_t{65008}}) {
    for (const std::size_t mtu : {std::size_t{1500}, std::size_t{1280}}) {
      const Buffer d = whole(payload);
      auto f = Fragmenter6::create(d, 40, 6, mtu, 0xabcd);
      REQUIRE(f);
      Reassembler6 r{ReassemblyConfig{}};
      Buffer out(f->max_fragment_len());
      CHECK(out.size() <= mtu);
      std::optional<Reassembly6Result> last;
      std::size_t pieces = 0;
      while (auto n = f->next(out)) {
        ++pieces;
        const Buffer piece(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
        CHECK(piece.size() <= mtu);
        last = r.on_fragment(at40(piece), t0);
      }
      CHECK(pieces == f->fragment_count());
      REQUIRE(last);
      REQUIRE(last->status == ReassemblyStatus::complete);
      CHECK(bytes_of(last->datagram) == d);
    }
  }
}

TEST_CASE("reassembly6: a reassembled datagram that is itself a fragment is dropped (deviation)", "[reassembly6]") {
  Reassembler6 r{ReassemblyConfig{}};
  CHECK(r.on_fragment(at40(fragment(0, 16, true, 3, kFragment)), t0).status == ReassemblyStatus::held);
  CHECK(r.on_fragment(at40(fragment(16, 8, false, 3, kFragment)), t0).status == ReassemblyStatus::inconsistent);
  CHECK(r.incomplete() == 0);
}
