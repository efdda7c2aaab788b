// The tunnel's pure parts: --local/--remote's words, and the TCP stream's records read back in
// step however the bytes arrive, with a length that cannot be a frame stopping the reader for
// good (the transport then resets the connection). No sockets: tests/live/tunnel_*.sh has those.
#include "tap/frame_records.hpp"
#include "tap/seccomp_filter.hpp"
#include "tap/tunnel_transport.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

using namespace tapstack;

namespace {

std::vector<std::byte> record(std::size_t len, std::byte fill) {
  std::vector<std::byte> r(kRecordHeaderLen + len, fill);
  put_record_header(std::span<std::byte, kRecordHeaderLen>(r.data(), kRecordHeaderLen), len);
  return r;
}

// Feeds stream to the reader chunk bytes at a time; returns the frames' lengths and first bytes.
std::vector<std::pair<std::size_t, std::byte>> read_all(FrameRecordReader& reader, const std::vector<std::byte>& stream,
                                                        std::size_t chunk, bool* bad = nullptr) {
  std::vector<std::pair<std::size_t, std::byte>> frames;
  std::size_t at = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    const auto next = reader.next();
    if (next.status == FrameRecordReader::Status::frame) {
      frames.emplace_back(next.frame.size(), next.frame[0]);
      continue;
    }
    if (next.status == FrameRecordReader::Status::bad_length) {
      if (bad) *bad = true;
      return frames;
    }
    if (at == stream.size()) return frames;
    const MutableBytes space = reader.free_space();
    const std::size_t n = std::min({chunk, space.size(), stream.size() - at});
    std::memcpy(space.data(), stream.data() + at, n);
    reader.commit(n);
    at += n;
  }
  FAIL("the reader did not finish");
  return frames;
}

}  // namespace

TEST_CASE("tunnel endpoint: ADDR:PORT, and what is wrong with anything else") {
  const auto e = parse_endpoint("192.168.7.1:5555");
  REQUIRE(e);
  CHECK(e->addr == Ipv4Addr::from_octets(192, 168, 7, 1));
  CHECK(e->port == 5555);
  CHECK(e->to_string() == "192.168.7.1:5555");
  CHECK(parse_endpoint("192.168.7.1").error() == "'192.168.7.1' is not an address and port like 192.168.7.1:5555");
  CHECK(parse_endpoint("host:80").error() == "'host' is not an IPv4 address like 192.168.7.1");
  CHECK(parse_endpoint("10.0.0.1:x").error() == "port 'x' is not a number: give 1 to 65535, e.g. :5555");
  CHECK(parse_endpoint("10.0.0.1:70000").error() == "port 70000 is out of range: 1 to 65535");
  CHECK_FALSE(parse_endpoint("10.0.0.1:0"));
  CHECK(parse_endpoint("10.0.0.1:0", true));
  CHECK_FALSE(parse_endpoint("10.0.0.1:"));
  CHECK_FALSE(parse_endpoint("224.0.0.1:5555"));
  CHECK_FALSE(parse_endpoint(""));
}

TEST_CASE("tunnel records: frames come back whole and in order, whatever the reads cut them into") {
  std::vector<std::byte> stream;
  const std::vector<std::size_t> lengths{60, 1518, 14, 98, 1518, 60};
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    const auto r = record(lengths[i], static_cast<std::byte>(i + 1));
    stream.insert(stream.end(), r.begin(), r.end());
  }
  for (const std::size_t chunk : {1uz, 2uz, 3uz, 7uz, 1000uz, 100000uz}) {
    FrameRecordReader reader({14, 1518});
    const auto frames = read_all(reader, stream, chunk);
    REQUIRE(frames.size() == lengths.size());
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      CHECK(frames[i].first == lengths[i]);
      CHECK(frames[i].second == static_cast<std::byte>(i + 1));
    }
  }
}

TEST_CASE("tunnel records: a length that cannot be a frame stops the reader until reset") {
  for (const std::size_t bogus : {0uz, 13uz, 1519uz, 65535uz}) {
    std::vector<std::byte> stream = record(60, std::byte{1});
    const auto bad = record(0, std::byte{0});  // just a header...
    std::vector<std::byte> header(bad.begin(), bad.begin() + kRecordHeaderLen);
    put_record_header(std::span<std::byte, kRecordHeaderLen>(header.data(), kRecordHeaderLen), bogus);
    stream.insert(stream.end(), header.begin(), header.end());  // ...announcing a bogus length
    const auto after = record(60, std::byte{2});
    stream.insert(stream.end(), after.begin(), after.end());

    FrameRecordReader reader({14, 1518});
    bool broken = false;
    const auto frames = read_all(reader, stream, 5, &broken);
    CHECK(broken);
    REQUIRE(frames.size() == 1);  // the frame before, never the bytes after
    const auto again = reader.next();
    CHECK(again.status == FrameRecordReader::Status::bad_length);

    reader.reset();  // a new connection: a new stream
    const auto fresh = read_all(reader, after, 1000);
    REQUIRE(fresh.size() == 1);
    CHECK(fresh[0].second == std::byte{2});
  }
}

TEST_CASE("seccomp: the TCP tunnel's additions are its socket calls, each with a reason, none already allowed") {
  const std::vector<std::string_view> expected{"socket", "setsockopt", "bind", "connect", "epoll_ctl", "sendmsg"};
  std::vector<std::string_view> names;
  for (const AllowedSyscall& s : seccomp_tcp_tunnel_additions()) {
    names.push_back(s.name);
    CHECK(s.why.starts_with("tcp tunnel: "));
    for (const AllowedSyscall& base : seccomp_allow_list()) CHECK(base.name != s.name);
  }
  CHECK(names == expected);
}
