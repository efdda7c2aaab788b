// The Link interface and its decorators, over a fake base link: what passes through each
// direction, what the recorder writes and when it asks to flush, what the tracer logs, and the
// replay link over real capture files.
#include "link/link.hpp"
#include "link/link_decorator.hpp"
#include "link/pcap_file.hpp"
#include "link/pcap_recorder.hpp"
#include "link/replay_link.hpp"
#include "link/tracer.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <sstream>
#include <unistd.h>

using namespace tapstack;
using namespace tapstack::test;

namespace {

// Frames queued by the test come in; what is emitted is kept. Its deadline and the timers it
// saw let a test check that decorators pass them on.
class FakeLink final : public Link {
 public:
  std::optional<ReceivedFrame> receive() override {
    if (incoming.empty()) return std::nullopt;
    current_ = std::move(incoming.front());
    incoming.pop_front();
    return ReceivedFrame{current_.frame, current_.at};
  }
  void emit(Bytes frame, Instant now) override { sent.push_back({Frame(frame.begin(), frame.end()), now}); }
  std::optional<Instant> next_deadline() const override { return deadline; }
  void on_timer(Instant now) override { timers.push_back(now); }

  std::deque<Emitted> incoming;
  std::vector<Emitted> sent;
  std::optional<Instant> deadline;
  std::vector<Instant> timers;

 private:
  Emitted current_;
};

class Passthrough final : public LinkDecorator {
 public:
  using LinkDecorator::LinkDecorator;
};

// A file name in the temporary directory, removed at the end of the test.
struct TempFile {
  explicit TempFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("tapstack-link-test-" + std::to_string(::getpid()) + "-" + name))
                 .string()) {}
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  std::string path;
};

std::vector<Emitted> read_capture(const std::string& path) {
  auto reader = PcapReader::open(path);
  REQUIRE(reader);
  std::vector<Emitted> frames;
  for (;;) {
    auto next = reader->next();
    REQUIRE(next);
    if (!*next) return frames;
    frames.push_back({Frame((*next)->data.begin(), (*next)->data.end()), (*next)->timestamp});
  }
}

Frame frame_of(std::optional<ReceivedFrame> f) { return f ? Frame(f->data.begin(), f->data.end()) : Frame{}; }

const Instant t0 = instant_from_ns(5'000'000'000);

}  // namespace

TEST_CASE("link: a decorator passes frames, deadlines and timers through both ways") {
  FakeLink base;
  Passthrough link(base);
  base.incoming.push_back({arp_request_for_us(), t0});
  const auto in = link.receive();
  REQUIRE(in);
  CHECK(frame_of(in) == arp_request_for_us());
  CHECK(in->at == t0);
  CHECK_FALSE(link.receive());
  link.emit(echo_request_frame(1), t0 + 1s);
  REQUIRE(base.sent.size() == 1);
  CHECK(base.sent[0].frame == echo_request_frame(1));
  CHECK(base.sent[0].at == t0 + 1s);
  CHECK_FALSE(link.next_deadline());
  base.deadline = t0 + 2s;
  CHECK(link.next_deadline() == t0 + 2s);
  link.on_timer(t0 + 2s);
  CHECK(base.timers == std::vector<Instant>{t0 + 2s});
}

TEST_CASE("link: earliest() of two deadlines, either absent") {
  CHECK_FALSE(earliest(std::nullopt, std::nullopt));
  CHECK(earliest(t0, std::nullopt) == t0);
  CHECK(earliest(std::nullopt, t0) == t0);
  CHECK(earliest(t0 + 1s, t0) == t0);
}

TEST_CASE("pcap recorder: frames in and out are recorded in order, in wall-clock time, and passed on unchanged") {
  TempFile file("recorder.pcap");
  auto writer = PcapWriter::create(file.path, CaptureLinkType::ethernet);
  REQUIRE(writer);
  FakeLink base;
  const Duration wall_offset = 1'700'000'000s;
  PcapRecorder recorder(base, std::move(*writer), wall_offset);
  base.incoming.push_back({arp_request_for_us(), t0});
  base.incoming.push_back({echo_request_frame(7), t0 + 3ms});

  CHECK(frame_of(recorder.receive()) == arp_request_for_us());
  recorder.emit(echo_request_frame(1), t0 + 1ms);
  CHECK(frame_of(recorder.receive()) == echo_request_frame(7));
  CHECK_FALSE(recorder.receive());
  REQUIRE(base.sent.size() == 1);
  CHECK(base.sent[0].frame == echo_request_frame(1));
  REQUIRE(recorder.close());

  const auto captured = read_capture(file.path);
  REQUIRE(captured.size() == 3);
  CHECK(captured[0].frame == arp_request_for_us());
  CHECK(captured[0].at == t0 + wall_offset);
  CHECK(captured[1].frame == echo_request_frame(1));
  CHECK(captured[1].at == t0 + 1ms + wall_offset);
  CHECK(captured[2].frame == echo_request_frame(7));
  CHECK(captured[2].at == t0 + 3ms + wall_offset);
}

TEST_CASE("pcap recorder: records reach the file within a second, through the link's timer") {
  TempFile file("flush.pcap");
  auto writer = PcapWriter::create(file.path, CaptureLinkType::ethernet);
  REQUIRE(writer);
  FakeLink base;
  PcapRecorder recorder(base, std::move(*writer), Duration{0});
  CHECK_FALSE(recorder.next_deadline());  // nothing to flush: no wake-ups

  recorder.emit(echo_request_frame(1), t0);
  CHECK(recorder.next_deadline() == t0 + PcapRecorder::kFlushInterval);
  recorder.emit(echo_request_frame(2), t0 + 500ms);
  CHECK(recorder.next_deadline() == t0 + PcapRecorder::kFlushInterval);
  base.deadline = t0 + 200ms;  // the inner link's deadline comes first
  CHECK(recorder.next_deadline() == t0 + 200ms);
  recorder.on_timer(t0 + 200ms);
  CHECK(base.timers == std::vector<Instant>{t0 + 200ms});
  base.deadline.reset();
  CHECK(recorder.next_deadline() == t0 + PcapRecorder::kFlushInterval);

  recorder.on_timer(t0 + PcapRecorder::kFlushInterval);
  CHECK_FALSE(recorder.next_deadline());
  // A reader sees both records while the file is still open, as tshark does during `run`.
  CHECK(read_capture(file.path).size() == 2);
  REQUIRE(recorder.close());
}

TEST_CASE("tracer: one decoded line per frame in and out, a hex dump at -vv, nothing below -v") {
  const auto saved = spdlog::default_logger();
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>("link_test", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  logger->set_pattern("%l %v");
  spdlog::set_default_logger(logger);

  FakeLink base;
  Tracer tracer(base, Framing::ethernet);
  base.incoming.push_back({arp_request_for_us(), t0});

  logger->set_level(spdlog::level::debug);
  CHECK(frame_of(tracer.receive()) == arp_request_for_us());
  tracer.emit(echo_request_frame(3), t0);
  REQUIRE(base.sent.size() == 1);
  CHECK(base.sent[0].frame == echo_request_frame(3));
  CHECK(log.str() ==
        "debug in  02:00:0a:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1\n"
        "debug out 02:00:0a:00:00:01 > 02:00:0a:00:00:02 IPv4 10.0.0.1 > 10.0.0.2 ICMP echo request id 0x1c seq 3 len 64\n");

  log.str("");
  logger->set_level(spdlog::level::trace);
  tracer.emit(bytes({1, 2, 3}), t0);
  CHECK(log.str() == "trace out runt frame, 3 bytes (an Ethernet header is 14)\n0x0000:  0102 03" + std::string(34, ' ') +
                         "...\n");

  log.str("");
  logger->set_level(spdlog::level::info);
  tracer.emit(bytes({1, 2, 3}), t0);
  CHECK(log.str().empty());
  CHECK(base.sent.size() == 3);

  spdlog::set_default_logger(saved);
}

TEST_CASE("replay link: a capture's frames come in with their timestamps; what is emitted goes to the output") {
  TempFile in("replay-in.pcap"), out("replay-out.pcap");
  {
    auto w = PcapWriter::create(in.path, CaptureLinkType::ethernet);
    REQUIRE(w);
    w->write(arp_request_for_us(), t0);
    w->write(echo_request_frame(2), t0 + 250ms);
    REQUIRE(w->close());
  }
  auto reader = PcapReader::open(in.path);
  auto writer = PcapWriter::create(out.path, CaptureLinkType::ethernet);
  REQUIRE(reader);
  REQUIRE(writer);
  ReplayLink link(std::move(*reader), std::move(*writer));

  auto first = link.receive();
  REQUIRE(first);
  CHECK(frame_of(first) == arp_request_for_us());
  CHECK(first->at == t0);
  link.emit(echo_request_frame(9), t0 + 1ms);
  auto second = link.receive();
  REQUIRE(second);
  CHECK(frame_of(second) == echo_request_frame(2));
  CHECK(second->at == t0 + 250ms);
  CHECK_FALSE(link.receive());
  CHECK_FALSE(link.error());
  CHECK(link.cut_short() == 0);
  REQUIRE(link.close());

  const auto written = read_capture(out.path);
  REQUIRE(written.size() == 1);
  CHECK(written[0].frame == echo_request_frame(9));
  CHECK(written[0].at == t0 + 1ms);
}

TEST_CASE("replay link: a truncated record ends the capture, and error() says why") {
  TempFile in("truncated.pcap"), out("truncated-out.pcap");
  {
    auto w = PcapWriter::create(in.path, CaptureLinkType::ethernet);
    REQUIRE(w);
    w->write(arp_request_for_us(), t0);
    w->write(echo_request_frame(2), t0 + 1s);
    REQUIRE(w->close());
  }
  std::filesystem::resize_file(in.path, std::filesystem::file_size(in.path) - 10);
  auto reader = PcapReader::open(in.path);
  auto writer = PcapWriter::create(out.path, CaptureLinkType::ethernet);
  REQUIRE(reader);
  REQUIRE(writer);
  ReplayLink link(std::move(*reader), std::move(*writer));
  CHECK(link.receive());
  CHECK_FALSE(link.receive());
  REQUIRE(link.error());
  CHECK(link.error()->find("truncated") != std::string::npos);
  CHECK_FALSE(link.receive());
}

namespace {

// A pcapng file (little-endian, one Ethernet interface in microseconds) with frame at each of
// the 64-bit time stamps: what PcapWriter cannot write, stamps past 2262 included.
void write_pcapng(const std::string& path, const Frame& frame, const std::vector<std::uint64_t>& stamps_us) {
  std::vector<std::uint8_t> out;
  const auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  u32(0x0A0D0D0A), u32(28), u32(0x1A2B3C4D), u32(1), u32(0xffffffff), u32(0xffffffff), u32(28);  // section
  u32(1), u32(20), u32(1), u32(0), u32(20);                                                       // interface
  const auto padded = static_cast<std::uint32_t>((frame.size() + 3) / 4 * 4);
  for (const std::uint64_t t : stamps_us) {
    u32(6), u32(32 + padded), u32(0), u32(static_cast<std::uint32_t>(t >> 32)), u32(static_cast<std::uint32_t>(t));
    u32(static_cast<std::uint32_t>(frame.size())), u32(static_cast<std::uint32_t>(frame.size()));
    for (const std::byte b : frame) out.push_back(static_cast<std::uint8_t>(b));
    out.resize(out.size() + (padded - frame.size()));
    u32(32 + padded);
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(out.data(), 1, out.size(), f) == out.size());
  REQUIRE(std::fclose(f) == 0);
}

}  // namespace

TEST_CASE("pcap reader: pcapng time stamps past 2262 are pinned at 2200, not overflowed") {
  // Nanoseconds since 1970 overflow an Instant in 2262; the stack adds its timers to the time of
  // a frame, so the reader stops at 2200-01-01 and leaves them room.
  const Instant latest = instant_from_ns(std::int64_t{7'258'118'400} * 1'000'000'000);
  TempFile file("far-future.pcapng");
  write_pcapng(file.path, arp_request_for_us(),
               {5'000'000, 7'258'118'399'000'000, 10'000'000'000'000'000, 0xffff'ffff'ffff'ffff});
  const auto frames = read_capture(file.path);
  REQUIRE(frames.size() == 4);
  CHECK(frames[0].at == t0);
  CHECK(frames[1].at == latest - 1s);
  CHECK(frames[2].at == latest);
  CHECK(frames[3].at == latest);
  for (const auto& f : frames) CHECK(f.frame == arp_request_for_us());
}
