#include "stack/reassembly.hpp"

#include "stack/wire/checksum.hpp"
#include "stack/fragmenter.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

using Buffer = std::vector<std::byte>;

const Ipv4Addr kSrc = Ipv4Addr::from_octets(10, 0, 0, 1);
const Ipv4Addr kDst = Ipv4Addr::from_octets(10, 0, 0, 2);
constexpr std::uint16_t kIdent = 0x1234;
const Instant kT0 = instant_from_ns(1'000'000'000);

Buffer pattern(std::size_t n, std::uint32_t seed = 1) {
  Buffer b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = std::byte(static_cast<std::uint8_t>((i * 7 + seed * 13 + (i >> 8)) & 0xff));
  return b;
}

struct Frag {
  std::size_t offset = 0;  // bytes, a multiple of 8
  bool more = true;
  std::size_t len = 0;  // payload bytes
};

struct DatagramSpec {
  Ipv4Addr src = kSrc;
  Ipv4Addr dst = kDst;
  IpProtocol protocol = IpProtocol::icmp;
  std::uint16_t ident = kIdent;
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  std::vector<std::byte> options{};
};

// A fragment carrying payload[offset, offset + len) of `payload` (bytes past its end are zeros).
Buffer make_fragment(const DatagramSpec& d, const Buffer& payload, Frag f, std::uint16_t extra_flags = 0) {
  Ipv4Repr repr;
  repr.src = d.src;
  repr.dst = d.dst;
  repr.protocol = d.protocol;
  repr.ttl = d.ttl;
  repr.tos = d.tos;
  repr.ident = d.ident;
  repr.options = d.options;
  repr.flags_frag = static_cast<std::uint16_t>((f.offset / 8) | (f.more ? kIpv4FlagMoreFragments : 0) | extra_flags);
  repr.payload_len = f.len;
  Buffer out(repr.total_len());
  repr.emit(out);
  for (std::size_t i = 0; i < f.len; ++i) {
    out[repr.header_len() + i] = f.offset + i < payload.size() ? payload[f.offset + i] : std::byte{0};
  }
  return out;
}

// The datagram the fragments were cut from, as Linux would rebuild it (flags and offset 0).
Buffer make_whole(const DatagramSpec& d, const Buffer& payload) {
  return make_fragment(d, payload, Frag{0, false, payload.size()});
}

Ipv4View view(const Buffer& b) {
  auto v = Ipv4View::parse(b);
  REQUIRE(v);
  return *v;
}

ReassemblyResult feed(Reassembler& r, const Buffer& fragment, Instant now = kT0) {
  return r.on_fragment(view(fragment), now);
}

Buffer to_vec(Bytes b) { return Buffer(b.begin(), b.end()); }

ReassemblyConfig config_with_slots(std::size_t slots) {
  ReassemblyConfig c;
  c.max_bytes = slots * Reassembler::kSlotBytes;
  return c;
}

}  // namespace

TEST_CASE("reassembly: in-order fragments rebuild the original datagram", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(3000);
  CHECK(feed(r, make_fragment(d, payload, {0, true, 1480})).status == ReassemblyStatus::held);
  CHECK(feed(r, make_fragment(d, payload, {1480, true, 1480})).status == ReassemblyStatus::held);
  const auto done = feed(r, make_fragment(d, payload, {2960, false, 40}));
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK(to_vec(done.datagram) == make_whole(d, payload));
  CHECK(r.incomplete() == 0);
  CHECK(r.bytes_held() == 0);
  CHECK_FALSE(r.next_deadline());
}

TEST_CASE("reassembly: out-of-order fragments rebuild the original datagram", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(3000);
  CHECK(feed(r, make_fragment(d, payload, {2960, false, 40})).status == ReassemblyStatus::held);
  CHECK(feed(r, make_fragment(d, payload, {0, true, 1480})).status == ReassemblyStatus::held);
  const auto done = feed(r, make_fragment(d, payload, {1480, true, 1480}));
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK(to_vec(done.datagram) == make_whole(d, payload));
}

TEST_CASE("reassembly: the rebuilt header is the first fragment's with MF, offset, length and checksum fixed",
          "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  DatagramSpec d;
  d.ttl = 17;
  d.tos = 0x10;
  const Buffer payload = pattern(100);
  feed(r, make_fragment(d, payload, {0, true, 48}, kIpv4FlagReserved));
  const auto done = feed(r, make_fragment(d, payload, {48, false, 52}));
  REQUIRE(done.status == ReassemblyStatus::complete);
  const auto v = Ipv4View::parse(done.datagram);  // checksum verified here
  REQUIRE(v);
  CHECK(v->total_len() == 120);
  CHECK(v->flags_frag() == 0);  // MF, offset and the reserved bit cleared
  CHECK(v->ttl() == 17);
  CHECK(v->tos() == 0x10);
  CHECK(v->ident() == kIdent);
  CHECK(to_vec(v->payload()) == payload);
}

TEST_CASE("reassembly: random splits and permutations with exact duplicates rebuild the datagram (seeded)",
          "[reassembly]") {
  std::mt19937 rng(20240607);
  Reassembler r{ReassemblyConfig{}};
  for (int round = 0; round < 300; ++round) {
    DatagramSpec d;
    d.ident = static_cast<std::uint16_t>(round);
    const std::size_t size = std::uniform_int_distribution<std::size_t>(9, round % 10 == 0 ? 65515 : 6000)(rng);
    const Buffer payload = pattern(size, static_cast<std::uint32_t>(round));
    std::vector<Frag> frags;
    for (std::size_t off = 0; off < size;) {
      std::size_t len = 8 * std::uniform_int_distribution<std::size_t>(1, 200)(rng);
      if (off + len >= size) len = size - off;
      frags.push_back({off, off + len < size, len});
      off += len;
    }
    if (frags.size() < 2) continue;  // a single piece is not a fragment
    std::shuffle(frags.begin(), frags.end(), rng);
    INFO("round " << round << " size " << size << " pieces " << frags.size());
    for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
      CHECK(feed(r, make_fragment(d, payload, frags[i])).status == ReassemblyStatus::held);
      if (std::bernoulli_distribution(0.3)(rng)) {
        const std::size_t j = std::uniform_int_distribution<std::size_t>(0, i)(rng);
        CHECK(feed(r, make_fragment(d, payload, frags[j])).status == ReassemblyStatus::duplicate);
      }
    }
    const auto done = feed(r, make_fragment(d, payload, frags.back()));
    REQUIRE(done.status == ReassemblyStatus::complete);
    CHECK(to_vec(done.datagram) == make_whole(d, payload));
    CHECK(r.incomplete() == 0);
  }
}

TEST_CASE("reassembly: what the fragmenter cuts, shuffled, reassembles to the same datagram (seeded)",
          "[reassembly][fragmenter]") {
  std::mt19937 rng(7);
  Reassembler r{ReassemblyConfig{}};
  for (int round = 0; round < 100; ++round) {
    DatagramSpec d;
    d.ident = static_cast<std::uint16_t>(round);
    const std::size_t mtu = std::uniform_int_distribution<std::size_t>(68, 9000)(rng);
    const Buffer payload = pattern(std::uniform_int_distribution<std::size_t>(mtu, 65515)(rng));
    const Buffer whole = make_whole(d, payload);
    const auto parsed = Ipv4View::parse(whole);
    REQUIRE(parsed);
    auto f = Fragmenter::create(*parsed, mtu);
    REQUIRE(f);
    std::vector<Buffer> pieces;
    Buffer out(mtu);
    while (auto n = f->next(out)) pieces.emplace_back(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
    std::shuffle(pieces.begin(), pieces.end(), rng);
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) CHECK(feed(r, pieces[i]).status == ReassemblyStatus::held);
    const auto done = feed(r, pieces.back());
    REQUIRE(done.status == ReassemblyStatus::complete);
    CHECK(to_vec(done.datagram) == whole);
  }
}

TEST_CASE("reassembly: an exact duplicate is dropped alone and the datagram still completes", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(64);
  const Buffer first = make_fragment(d, payload, {0, true, 32});
  CHECK(feed(r, first).status == ReassemblyStatus::held);
  CHECK(feed(r, first).status == ReassemblyStatus::duplicate);
  CHECK(r.bytes_held() == 32);
  CHECK(feed(r, make_fragment(d, payload, {32, false, 32})).status == ReassemblyStatus::complete);
}

TEST_CASE("reassembly: a fragment inside one run is a duplicate even when it is not an exact copy", "[reassembly]") {
  // Linux inet_frag_queue_insert(): in-order fragments form one run; anything inside it is a DUP.
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(4000);
  feed(r, make_fragment(d, payload, {0, true, 1480}));
  feed(r, make_fragment(d, payload, {1480, true, 1480}));
  CHECK(feed(r, make_fragment(d, payload, {8, true, 8})).status == ReassemblyStatus::duplicate);
  CHECK(feed(r, make_fragment(d, payload, {1000, true, 1000})).status == ReassemblyStatus::duplicate);
  // Different bytes in a duplicate are ignored: the first copy wins.
  Buffer other = payload;
  std::fill(other.begin(), other.end(), std::byte{0xee});
  CHECK(feed(r, make_fragment(d, other, {0, true, 16})).status == ReassemblyStatus::duplicate);
  const auto done = feed(r, make_fragment(d, payload, {2960, false, 1040}));
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK(to_vec(done.datagram) == make_whole(d, payload));
}

TEST_CASE("reassembly: a fragment straddling two runs discards the datagram (arrival order matters)", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(4000);
  // Reverse order: each fragment lands below the highest and forms a run of its own.
  feed(r, make_fragment(d, payload, {1480, true, 1480}));
  feed(r, make_fragment(d, payload, {0, true, 1480}));
  CHECK(feed(r, make_fragment(d, payload, {1000, true, 1000})).status == ReassemblyStatus::overlap);
  CHECK(r.incomplete() == 0);
  CHECK(r.bytes_held() == 0);
  // The datagram is gone: its last fragment now starts a new, incomplete one.
  CHECK(feed(r, make_fragment(d, payload, {2960, false, 1040})).status == ReassemblyStatus::held);
  CHECK(r.incomplete() == 1);
}

TEST_CASE("reassembly: partial overlaps discard the whole datagram", "[reassembly]") {
  const DatagramSpec d;
  const Buffer payload = pattern(4000);
  SECTION("overlapping the highest fragment from below (tail path)") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 1480}));
    CHECK(feed(r, make_fragment(d, payload, {1472, true, 16})).status == ReassemblyStatus::overlap);
    CHECK(r.incomplete() == 0);
  }
  SECTION("overlapping a lower fragment's end") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {2960, false, 1040}));
    feed(r, make_fragment(d, payload, {0, true, 1480}));
    CHECK(feed(r, make_fragment(d, payload, {1472, true, 1000})).status == ReassemblyStatus::overlap);
    CHECK(r.incomplete() == 0);
  }
  SECTION("overlapping a lower fragment's start") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {2960, false, 1040}));
    feed(r, make_fragment(d, payload, {1480, true, 1480}));
    CHECK(feed(r, make_fragment(d, payload, {1000, true, 488})).status == ReassemblyStatus::overlap);
  }
  SECTION("covering more than a held fragment") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {2960, false, 1040}));
    feed(r, make_fragment(d, payload, {1480, true, 8}));
    CHECK(feed(r, make_fragment(d, payload, {1472, true, 24})).status == ReassemblyStatus::overlap);
  }
  SECTION("reaching past the highest fragment while starting inside it") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 16}));
    CHECK(feed(r, make_fragment(d, payload, {8, true, 24})).status == ReassemblyStatus::overlap);
  }
  SECTION("a fragment filling a hole exactly is not an overlap") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 1480}));
    feed(r, make_fragment(d, payload, {2960, false, 1040}));
    CHECK(feed(r, make_fragment(d, payload, {1480, true, 1480})).status == ReassemblyStatus::complete);
  }
}

TEST_CASE("reassembly: a non-last fragment whose length is not a multiple of 8 is trimmed, as Linux does",
          "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(2000);
  CHECK(feed(r, make_fragment(d, payload, {0, true, 1005})).status == ReassemblyStatus::held);
  CHECK(r.bytes_held() == 1000);
  const auto done = feed(r, make_fragment(d, payload, {1000, false, 1000}));
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK(to_vec(done.datagram) == make_whole(d, payload));
}

TEST_CASE("reassembly: empty fragments and fragments trimmed to nothing are invalid", "[reassembly]") {
  const DatagramSpec d;
  const Buffer payload = pattern(100);
  SECTION("a short non-last fragment on its own creates nothing") {
    Reassembler r{ReassemblyConfig{}};
    CHECK(feed(r, make_fragment(d, payload, {0, true, 7})).status == ReassemblyStatus::inconsistent);
    CHECK(r.incomplete() == 0);
  }
  SECTION("an empty last fragment discards the datagram it belongs to") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 48}));
    CHECK(feed(r, make_fragment(d, payload, {48, false, 0})).status == ReassemblyStatus::inconsistent);
    CHECK(r.incomplete() == 0);
  }
  SECTION("an empty middle fragment also discards it") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 48}));
    CHECK(feed(r, make_fragment(d, payload, {48, true, 4})).status == ReassemblyStatus::inconsistent);
    CHECK(r.incomplete() == 0);
  }
}

TEST_CASE("reassembly: fragments contradicting the datagram's end discard it", "[reassembly]") {
  const DatagramSpec d;
  const Buffer payload = pattern(3000);
  SECTION("a last fragment ending before data already held") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {1480, true, 1480}));
    CHECK(feed(r, make_fragment(d, payload, {8, false, 1000})).status == ReassemblyStatus::inconsistent);
    CHECK(r.incomplete() == 0);
  }
  SECTION("a second last fragment with another end") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {2960, false, 40}));
    CHECK(feed(r, make_fragment(d, payload, {2960, false, 48})).status == ReassemblyStatus::inconsistent);
  }
  SECTION("a fragment reaching beyond the known end") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {1480, false, 40}));
    CHECK(feed(r, make_fragment(d, payload, {1520, true, 8})).status == ReassemblyStatus::inconsistent);
  }
  SECTION("a repeated last fragment is a duplicate") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {2960, false, 40}));
    CHECK(feed(r, make_fragment(d, payload, {2960, false, 40})).status == ReassemblyStatus::duplicate);
    CHECK(r.incomplete() == 1);
  }
}

TEST_CASE("reassembly: a datagram of exactly 65535 bytes is accepted", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(kIpv4MaxDatagramLen - 20);
  ReassemblyResult last;
  for (std::size_t off = 0; off < payload.size(); off += 1480) {
    const std::size_t len = std::min<std::size_t>(1480, payload.size() - off);
    last = feed(r, make_fragment(d, payload, {off, off + len < payload.size(), len}));
  }
  REQUIRE(last.status == ReassemblyStatus::complete);
  CHECK(last.datagram.size() == kIpv4MaxDatagramLen);
  CHECK(to_vec(last.datagram) == make_whole(d, payload));
}

TEST_CASE("reassembly: a ping of death is held until complete, then discarded as oversize", "[reassembly]") {
  // ip_frag_reasm(): the 65535 check happens on completion, not per fragment.
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(65528 + 1480);
  for (std::size_t off = 0; off < 65528; off += 1480) {
    const std::size_t len = std::min<std::size_t>(1480, 65528 - off);
    REQUIRE(feed(r, make_fragment(d, payload, {off, true, len})).status == ReassemblyStatus::held);
  }
  const auto done = feed(r, make_fragment(d, payload, {65528, false, 1480}));
  CHECK(done.status == ReassemblyStatus::oversize);
  CHECK(done.datagram.empty());
  CHECK(r.incomplete() == 0);
  CHECK(r.bytes_held() == 0);
}

TEST_CASE("reassembly: payload a doomed datagram carries past 65515 bytes is not counted as held", "[reassembly]") {
  // The slot stores 65515 payload bytes; what lies beyond is tracked for the datagram's end but
  // takes no memory, so bytes_held() (what the memory bound reports) leaves it out.
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(65528 + 1480);
  REQUIRE(feed(r, make_fragment(d, payload, {65528, true, 1480})).status == ReassemblyStatus::held);
  CHECK(r.bytes_held() == 0);
  REQUIRE(feed(r, make_fragment(d, payload, {65000, true, 528})).status == ReassemblyStatus::held);  // up to 65528
  CHECK(r.bytes_held() == 65515 - 65000);
  REQUIRE(feed(r, make_fragment(d, payload, {0, true, 1480})).status == ReassemblyStatus::held);
  CHECK(r.bytes_held() == 65515 - 65000 + 1480);
  CHECK(r.bytes_held() <= r.capacity() * (kIpv4MaxDatagramLen - kIpv4MinHeaderLen));
}

TEST_CASE("reassembly: options in the first fragment count towards the 65535 limit", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  DatagramSpec d;
  d.options = {std::byte{1}, std::byte{1}, std::byte{1}, std::byte{0}};  // a 24-byte header
  const Buffer payload = pattern(65515);
  ReassemblyResult last;
  for (std::size_t off = 0; off < payload.size(); off += 1480) {
    const std::size_t len = std::min<std::size_t>(1480, payload.size() - off);
    last = feed(r, make_fragment(d, payload, {off, off + len < payload.size(), len}));
  }
  CHECK(last.status == ReassemblyStatus::oversize);
}

TEST_CASE("reassembly: an incomplete ping of death times out like any datagram", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(65528 + 1480);
  const Buffer first = make_fragment(d, payload, {0, true, 1480});
  feed(r, first);
  CHECK(feed(r, make_fragment(d, payload, {65528, false, 1480})).status == ReassemblyStatus::held);
  const auto e = r.pop_expired(kT0 + 30s);
  REQUIRE(e);
  CHECK(to_vec(e->first_fragment) == first);
}

TEST_CASE("reassembly: a timed-out datagram whose first fragment arrived hands back that fragment", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  DatagramSpec d;
  d.protocol = IpProtocol::udp;
  const Buffer payload = pattern(3000);
  const Buffer first = make_fragment(d, payload, {0, true, 1480});
  feed(r, first, kT0);
  feed(r, make_fragment(d, payload, {2960, false, 40}), kT0 + 10s);
  REQUIRE(r.next_deadline() == kT0 + 30s);  // not extended by the later fragment
  CHECK_FALSE(r.pop_expired(kT0 + 30s - 1ns));
  const auto e = r.pop_expired(kT0 + 30s);
  REQUIRE(e);
  CHECK(e->src == kSrc);
  CHECK(e->dst == kDst);
  CHECK(e->protocol == IpProtocol::udp);
  CHECK(e->ident == kIdent);
  // ip_expire() quotes the head fragment exactly as received: MF still set, its own length.
  CHECK(to_vec(e->first_fragment) == first);
  CHECK_FALSE(r.pop_expired(kT0 + 60s));
  CHECK(r.incomplete() == 0);
  CHECK(r.bytes_held() == 0);
}

TEST_CASE("reassembly: a timed-out datagram without its first fragment hands back nothing to quote", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(3000);
  feed(r, make_fragment(d, payload, {1480, true, 1480}), kT0);
  const auto e = r.pop_expired(kT0 + 31s);
  REQUIRE(e);
  CHECK(e->first_fragment.empty());
}

TEST_CASE("reassembly: datagrams expire oldest first, each on its own deadline", "[reassembly]") {
  ReassemblyConfig c;
  c.timeout = 5s;
  Reassembler r{c};
  DatagramSpec a, b;
  b.ident = 99;
  const Buffer payload = pattern(100);
  feed(r, make_fragment(a, payload, {0, true, 48}), kT0);
  feed(r, make_fragment(b, payload, {0, true, 48}), kT0 + 2s);
  CHECK(r.next_deadline() == kT0 + 5s);
  auto e = r.pop_expired(kT0 + 10s);
  REQUIRE(e);
  CHECK(e->ident == kIdent);
  CHECK(r.next_deadline() == kT0 + 7s);
  e = r.pop_expired(kT0 + 10s);
  REQUIRE(e);
  CHECK(e->ident == 99);
  CHECK_FALSE(r.next_deadline());
}

TEST_CASE("reassembly: fragments are matched on source, destination, protocol and identification", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const Buffer payload = pattern(100);
  const DatagramSpec base;
  feed(r, make_fragment(base, payload, {0, true, 48}));
  DatagramSpec other_src = base, other_dst = base, other_proto = base, other_id = base;
  other_src.src = Ipv4Addr::from_octets(10, 0, 0, 3);
  other_dst.dst = Ipv4Addr::from_octets(10, 0, 0, 4);
  other_proto.protocol = IpProtocol::udp;
  other_id.ident = kIdent + 1;
  for (const auto& d : {other_src, other_dst, other_proto, other_id}) {
    CHECK(feed(r, make_fragment(d, payload, {48, false, 52})).status == ReassemblyStatus::held);
  }
  CHECK(r.incomplete() == 5);
  CHECK(feed(r, make_fragment(base, payload, {48, false, 52})).status == ReassemblyStatus::complete);
}

TEST_CASE("reassembly: the memory bound evicts the oldest incomplete datagram", "[reassembly]") {
  Reassembler r{config_with_slots(3)};
  REQUIRE(r.capacity() == 3);
  const Buffer payload = pattern(100);
  std::vector<DatagramSpec> ds(4);
  for (std::size_t i = 0; i < ds.size(); ++i) ds[i].ident = static_cast<std::uint16_t>(100 + i);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto res = feed(r, make_fragment(ds[i], payload, {0, true, 48}), kT0 + std::chrono::seconds(i));
    CHECK_FALSE(res.evicted);
  }
  const auto res = feed(r, make_fragment(ds[3], payload, {0, true, 48}), kT0 + 3s);
  CHECK(res.status == ReassemblyStatus::held);
  CHECK(res.evicted);
  CHECK(r.incomplete() == 3);
  CHECK(r.bytes_held() == 3 * 48);
  // The oldest (ds[0]) is gone: its last fragment starts afresh (and evicts ds[1]).
  const auto again = feed(r, make_fragment(ds[0], payload, {48, false, 52}), kT0 + 4s);
  CHECK(again.status == ReassemblyStatus::held);
  CHECK(again.evicted);
  // ds[2] and ds[3] survived.
  CHECK(feed(r, make_fragment(ds[2], payload, {48, false, 52}), kT0 + 5s).status == ReassemblyStatus::complete);
  CHECK(feed(r, make_fragment(ds[3], payload, {48, false, 52}), kT0 + 5s).status == ReassemblyStatus::complete);
}

TEST_CASE("reassembly: the default 4 MiB bound holds 64 datagrams and bytes held stay under it", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  CHECK(r.capacity() == 64);
  const Buffer payload = pattern(65515);
  for (std::uint16_t id = 0; id < 200; ++id) {
    DatagramSpec d;
    d.ident = id;
    for (std::size_t off = 0; off + 1480 < payload.size(); off += 1480) {
      feed(r, make_fragment(d, payload, {off, true, 1480}));
    }
    CHECK(r.bytes_held() <= ReassemblyConfig{}.max_bytes);
  }
  CHECK(r.incomplete() == 64);
}

TEST_CASE("reassembly: a bound smaller than one datagram still allows one", "[reassembly]") {
  ReassemblyConfig c;
  c.max_bytes = 1000;
  Reassembler r{c};
  CHECK(r.capacity() == 1);
  const DatagramSpec d;
  const Buffer payload = pattern(3000);
  feed(r, make_fragment(d, payload, {0, true, 1480}));
  feed(r, make_fragment(d, payload, {1480, true, 1480}));
  CHECK(feed(r, make_fragment(d, payload, {2960, false, 40})).status == ReassemblyStatus::complete);
}

TEST_CASE("reassembly: the reassembled datagram stays valid while timers are polled", "[reassembly]") {
  Reassembler r{config_with_slots(1)};
  const DatagramSpec d;
  const Buffer payload = pattern(100);
  feed(r, make_fragment(d, payload, {0, true, 48}));
  const auto done = feed(r, make_fragment(d, payload, {48, false, 52}));
  REQUIRE(done.status == ReassemblyStatus::complete);
  CHECK_FALSE(r.pop_expired(kT0 + 1h));
  CHECK(to_vec(done.datagram) == make_whole(d, payload));
}

TEST_CASE("reassembly: ECN marks combine as RFC 3168 §5.3 and Linux's ip_frag_ecn_table say", "[reassembly]") {
  const Buffer payload = pattern(100);
  Reassembler r{ReassemblyConfig{}};  // outlives the results, whose datagram points into it
  auto run = [&](std::uint8_t tos_a, std::uint8_t tos_b) {
    DatagramSpec a, b;
    a.tos = tos_a;
    b.tos = tos_b;
    feed(r, make_fragment(a, payload, {0, true, 48}));
    return feed(r, make_fragment(b, payload, {48, false, 52}));
  };
  SECTION("not-ECT with CE is dropped") { CHECK(run(0x00, 0x03).status == ReassemblyStatus::ecn_mismatch); }
  SECTION("not-ECT with ECT(0) is dropped") { CHECK(run(0x00, 0x02).status == ReassemblyStatus::ecn_mismatch); }
  SECTION("ECT(0) with CE becomes CE") {
    const auto res = run(0x02, 0x03);
    REQUIRE(res.status == ReassemblyStatus::complete);
    CHECK((load_u8(res.datagram, ipv4_field::tos) & 3) == 3);
    CHECK(internet_checksum(res.datagram.first(20)) == 0);
  }
  SECTION("ECT(0) with ECT(1) keeps the first fragment's TOS") {
    const auto res = run(0x02, 0x01);
    REQUIRE(res.status == ReassemblyStatus::complete);
    CHECK(load_u8(res.datagram, ipv4_field::tos) == 0x02);
  }
}

TEST_CASE("reassembly: DF is kept only when the largest fragment had it", "[reassembly]") {
  const DatagramSpec d;
  const Buffer payload = pattern(1000);
  SECTION("all fragments DF") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 800}, kIpv4FlagDontFragment));
    const auto res = feed(r, make_fragment(d, payload, {800, false, 200}, kIpv4FlagDontFragment));
    REQUIRE(res.status == ReassemblyStatus::complete);
    CHECK(load_be16(res.datagram, ipv4_field::flags_frag) == kIpv4FlagDontFragment);
  }
  SECTION("only the small one DF") {
    Reassembler r{ReassemblyConfig{}};
    feed(r, make_fragment(d, payload, {0, true, 800}));
    const auto res = feed(r, make_fragment(d, payload, {800, false, 200}, kIpv4FlagDontFragment));
    REQUIRE(res.status == ReassemblyStatus::complete);
    CHECK(load_be16(res.datagram, ipv4_field::flags_frag) == 0);
  }
}

TEST_CASE("reassembly: ipfrag_max_dist (64) fragments from the same source in between restart a datagram",
          "[reassembly]") {
  const Buffer payload = pattern(200'000);
  DatagramSpec a, busy, elsewhere;
  busy.ident = 7;
  elsewhere.ident = 8;
  elsewhere.src = Ipv4Addr::from_octets(10, 0, 0, 9);
  auto interleave = [&](Reassembler& r, unsigned others, const DatagramSpec& other) {
    feed(r, make_fragment(a, payload, {0, true, 48}));
    for (unsigned i = 0; i < others; ++i) feed(r, make_fragment(other, payload, {i * 8 * 2, true, 8}));
    return feed(r, make_fragment(a, payload, {48, false, 52}));
  };
  // Linux: rc = (peer->rid now) - (qp->rid at our last fragment) > 64, and that difference
  // counts the fragments in between plus this one.
  SECTION("63 in between: still one datagram") {
    Reassembler r{ReassemblyConfig{}};
    const auto res = interleave(r, 63, busy);
    CHECK(res.status == ReassemblyStatus::complete);
    CHECK_FALSE(res.restarted);
  }
  SECTION("64 in between: the held fragment is flushed and the datagram starts again") {
    Reassembler r{ReassemblyConfig{}};
    const auto res = interleave(r, 64, busy);
    CHECK(res.status == ReassemblyStatus::held);
    CHECK(res.restarted);
    CHECK(r.bytes_held() == 64 * 8 + 52);
  }
  SECTION("fragments from other sources do not count") {
    Reassembler r{ReassemblyConfig{}};
    CHECK(interleave(r, 200, elsewhere).status == ReassemblyStatus::complete);
  }
  SECTION("max_dist 0 disables the rule") {
    Reassembler r{ReassemblyConfig{}, 0};
    CHECK(interleave(r, 200, busy).status == ReassemblyStatus::complete);
  }
}

TEST_CASE("reassembly: a restarted datagram gets a fresh timeout", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const Buffer payload = pattern(2000);
  DatagramSpec a, busy;
  busy.ident = 7;
  feed(r, make_fragment(a, payload, {0, true, 48}), kT0);
  for (unsigned i = 0; i < 70; ++i) feed(r, make_fragment(busy, payload, {i * 16, true, 8}), kT0 + 1s);
  const auto res = feed(r, make_fragment(a, payload, {48, true, 48}), kT0 + 2s);
  CHECK(res.restarted);
  auto e = r.pop_expired(kT0 + 31s);  // busy expires at kT0 + 31 s
  REQUIRE(e);
  CHECK(e->ident == 7);
  CHECK_FALSE(r.pop_expired(kT0 + 31s));
  e = r.pop_expired(kT0 + 32s);
  REQUIRE(e);
  CHECK(e->ident == kIdent);
  CHECK(e->first_fragment.empty());  // the offset-0 fragment was flushed by the restart
}

TEST_CASE("reassembly: the processed header and options of the first fragment are what is kept", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  DatagramSpec d;
  d.options = {std::byte{7}, std::byte{7}, std::byte{4}, std::byte{0},
               std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};  // RR with one empty slot
  const Buffer payload = pattern(100);
  const Buffer first = make_fragment(d, payload, {0, true, 48});
  // What compile_received_options() would leave: our address recorded, pointer advanced, and
  // (as in Linux) the checksum not recomputed.
  Buffer processed(first.begin(), first.begin() + 28);
  processed[22] = std::byte{8};
  processed[23] = std::byte{10};
  processed[26] = std::byte{2};
  FragmentMeta meta{processed, ReceivedOptions{.optlen = 8, .rr = 20, .rr_needaddr = true, .is_changed = true}};
  REQUIRE(r.on_fragment(view(first), kT0, meta).status == ReassemblyStatus::held);

  SECTION("on completion") {
    const auto res = feed(r, make_fragment(d, payload, {48, false, 52}));
    REQUIRE(res.status == ReassemblyStatus::complete);
    CHECK(res.options == meta.options);
    const auto v = Ipv4View::parse(res.datagram);
    REQUIRE(v);  // checksum recomputed over the processed header
    CHECK(to_vec(v->options()) == Buffer(processed.begin() + 20, processed.end()));
  }
  SECTION("on expiry") {
    const auto e = r.pop_expired(kT0 + 30s);
    REQUIRE(e);
    CHECK(e->options == meta.options);
    CHECK(to_vec(e->first_fragment.first(28)) == processed);
  }
}

TEST_CASE("reassembly: a datagram that is not fragmented is refused untouched", "[reassembly]") {
  Reassembler r{ReassemblyConfig{}};
  const Buffer whole = make_whole(DatagramSpec{}, pattern(100));
  CHECK(feed(r, whole).status == ReassemblyStatus::not_a_fragment);
  CHECK(r.incomplete() == 0);
}

TEST_CASE("reassembly: a completed datagram's late duplicate starts a new incomplete one", "[reassembly]") {
  // Linux removes a completed queue from its table, so a straggler creates a new queue.
  Reassembler r{ReassemblyConfig{}};
  const DatagramSpec d;
  const Buffer payload = pattern(100);
  const Buffer first = make_fragment(d, payload, {0, true, 48});
  feed(r, first);
  REQUIRE(feed(r, make_fragment(d, payload, {48, false, 52})).status == ReassemblyStatus::complete);
  CHECK(feed(r, first).status == ReassemblyStatus::held);
  CHECK(r.incomplete() == 1);
}
