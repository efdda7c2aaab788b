#include "stack/wire/checksum.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace tapstack;
using tapstack::test::bytes;

namespace {

// The textbook definition, kept deliberately naive: sum 16-bit words one at a time with
// end-around carry, pad an odd byte with zero, complement.
std::uint16_t reference_checksum(Bytes data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    std::uint32_t word = std::to_integer<std::uint32_t>(data[i]) << 8;
    if (i + 1 < data.size()) word |= std::to_integer<std::uint32_t>(data[i + 1]);
    sum += word;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

TEST_CASE("checksum: RFC 1071 §3 worked example sums to 0xddf2") {
  // 00 01 f2 03 f4 f5 f6 f7 → one's complement sum 0xddf2, checksum its complement.
  const auto data = bytes({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  CHECK(internet_checksum(data) == static_cast<std::uint16_t>(~0xddf2));
}

TEST_CASE("checksum: an IPv4 header gets the independently computed checksum and then verifies to zero") {
  // The header of a `ping` echo request (DF, TTL 64); 0x7fb4 was summed by hand in Python.
  auto hdr = bytes({0x45, 0x00, 0x00, 0x54, 0xa6, 0xf2, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
                    0x0a, 0x00, 0x00, 0x02});
  const auto c = internet_checksum(hdr);
  store_be16(hdr, 10, c);
  CHECK(c == 0x7fb4);
  CHECK(internet_checksum(hdr) == 0);
}

TEST_CASE("checksum: odd lengths pad the last byte with zero") {
  CHECK(internet_checksum(bytes({0x12})) == static_cast<std::uint16_t>(~0x1200));
  CHECK(internet_checksum(bytes({})) == 0xffff);
}

TEST_CASE("checksum: matches the naive reference on random data of every length") {
  std::mt19937 rng(1071);
  for (std::size_t len = 0; len < 300; ++len) {
    test::Frame data(len);
    for (auto& b : data) b = static_cast<std::byte>(rng());
    INFO("length " << len);
    REQUIRE(internet_checksum(data) == reference_checksum(data));
  }
}

TEST_CASE("checksum: the accumulator gives the same result however the data is split") {
  std::mt19937 rng(791);
  for (int round = 0; round < 200; ++round) {
    test::Frame data(rng() % 200);
    for (auto& b : data) b = static_cast<std::byte>(rng());
    const std::size_t cut1 = data.empty() ? 0 : rng() % data.size();
    const std::size_t cut2 = cut1 + (data.size() == cut1 ? 0 : rng() % (data.size() - cut1));
    ChecksumAccumulator acc;
    const Bytes all(data);
    acc.add(all.subspan(0, cut1));
    acc.add(all.subspan(cut1, cut2 - cut1));
    acc.add(all.subspan(cut2));
    REQUIRE(acc.finish() == reference_checksum(data));
  }
}

TEST_CASE("checksum: 16- and 32-bit words added after an odd piece land in the right place") {
  const auto data = bytes({0xab, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc});
  ChecksumAccumulator acc;
  acc.add(Bytes(data).first(1));
  acc.add_be16(0x1234);
  acc.add_be32(0x56789abc);
  CHECK(acc.finish() == reference_checksum(data));
}

TEST_CASE("checksum: RFC 1624 incremental update equals recomputation on random changes") {
  std::mt19937 rng(1624);
  for (int round = 0; round < 2000; ++round) {
    test::Frame data(2 * (1 + rng() % 40));
    for (auto& b : data) b = static_cast<std::byte>(rng());
    const std::uint16_t before = internet_checksum(data);
    const std::size_t at = 2 * (rng() % (data.size() / 2));
    const std::uint16_t old_word = load_be16(data, at);
    const auto new_word = static_cast<std::uint16_t>(round % 3 == 0 ? 0 : rng());
    store_be16(data, at, new_word);
    const std::uint16_t updated = checksum_update16(before, old_word, new_word);
    const std::uint16_t recomputed = internet_checksum(data);
    // Only all-zero data differs: eqn. 3 gives 0x0000 where 0xffff is the one that verifies,
    // and fix_all_zero_checksum() repairs exactly that case.
    const bool all_zero = std::all_of(data.begin(), data.end(), [](std::byte b) { return b == std::byte{0}; });
    if (!all_zero) REQUIRE(updated == recomputed);
    test::Frame with_field = data;
    with_field.insert(with_field.begin(), 2, std::byte{0});
    REQUIRE(fix_all_zero_checksum(updated, with_field, 0) == recomputed);
  }
}

TEST_CASE("checksum: an all-zero message gets 0xffff, the only checksum that verifies") {
  // Found by the fuzzer: echo request 08 00 f7 ff 00 00 00 00 → reply all zeros.
  const std::uint16_t updated = checksum_update16(0xf7ff, 0x0800, 0x0000);
  CHECK(updated == 0x0000);
  const test::Frame reply(8, std::byte{0});
  CHECK(fix_all_zero_checksum(updated, reply, 2) == 0xffff);
  CHECK(fix_all_zero_checksum(0x0000, test::bytes({0, 0, 0, 0, 0, 1}), 2) == 0x0000);
}

TEST_CASE("checksum: RFC 1624 §4 example avoids the -0 result of eqn. 2") {
  // HC = 0xdd2f, m = 0x5555 → m' = 0x3285: eqn. 3 gives 0x0000, eqn. 2 wrongly 0xffff.
  CHECK(checksum_update16(0xdd2f, 0x5555, 0x3285) == 0x0000);
}

TEST_CASE("checksum: a 32-bit field update (an address) equals recomputation") {
  auto hdr = test::ipv4(test::kPeerIp, test::kOurIp, IpProtocol::icmp, {});
  const std::uint16_t before = load_be16(hdr, 10);
  store_be32(hdr, 12, 0xc0a80001);
  store_be16(hdr, 10, 0);
  const std::uint16_t expected = internet_checksum(Bytes(hdr).first(20));
  CHECK(checksum_update32(before, test::kPeerIp.value, 0xc0a80001) == expected);
}
