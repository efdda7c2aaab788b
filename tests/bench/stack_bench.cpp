// Frames per second through the Stack core alone (no link, no system call): echo requests of
// 56 and 1472 bytes, ARP requests, one representative frame per drop-counter group, and echoes
// with the neighbour cache holding 1 and 65 536 entries. Beside them, the floor: copying the same
// frame once. Timings on a shared machine are noisy, so nothing here is asserted; compare
// figures of one run, or count instructions under callgrind (callgrind.sh).
//
//   stack_bench [--benchmark_filter=REGEX] [--benchmark_min_time=0.2]   (Google Benchmark's flags)
#include "stack/stack.hpp"

#include "../test_frames.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

using namespace tapstack;
using namespace tapstack::test;

namespace {

class CopySink final : public FrameSink {
 public:
  void emit(Bytes frame, Instant) override {
    std::memcpy(out, frame.data(), frame.size());
    ++frames;
  }
  alignas(64) std::byte out[2048];
  std::size_t frames = 0;
};

const Instant kT0 = instant_from_ns(1'000'000'000);

// A stack on 10.0.0.2/15 (room for 65 536 neighbours) that knows `neighbours` hosts: 10.0.1.2
// and up announce themselves first, the peer (10.0.0.1) last, so a linear search of the cache
// meets the peer at its far end.
struct BenchStack {
  explicit BenchStack(std::size_t neighbours = 1) {
    StackConfig config;
    config.mac = kOurMac;
    config.ip = Ipv4Interface{kOurIp, 15};
    config.arp.max_entries = neighbours;
    stack = std::make_unique<Stack>(config, sink);
    for (std::size_t i = 1; i < neighbours; ++i) {
      const Ipv4Addr ip{kPeerIp.value + 0x100 + static_cast<std::uint32_t>(i)};
      const MacAddr mac{{0x02, 0x01, 0, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                         static_cast<std::uint8_t>(i)}};
      stack->on_frame(
          ethernet(MacAddr::broadcast(), mac, EtherType::arp, arp(ArpOp::request, mac, ip, MacAddr::zero(), kOurIp)), kT0);
    }
    stack->on_frame(arp_request_for_us(), kT0);
    if (stack->neighbours().entries().size() != neighbours) throw std::logic_error("the cache did not fill");
  }
  CopySink sink;
  std::unique_ptr<Stack> stack;
};

// Feeds frame to the stack once per iteration; reports frames/s and checks that each one was
// counted where it should be (a benchmark of the wrong path measures nothing).
void run_frames(benchmark::State& state, BenchStack& b, const Frame& frame, Counter expect) {
  const std::uint64_t before = b.stack->counters()[expect];
  for (auto _ : state) b.stack->on_frame(frame, kT0);
  const std::uint64_t counted = b.stack->counters()[expect] - before;
  if (counted != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError(("counter " + std::string(kCounterInfo[static_cast<std::size_t>(expect)].name) + " did not count every frame").c_str());
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_CopyFloor(benchmark::State& state) {
  const Frame request = echo_request_frame(1, static_cast<std::size_t>(state.range(0)));
  CopySink sink;
  for (auto _ : state) {
    sink.emit(request, kT0);
    benchmark::ClobberMemory();
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CopyFloor)->Arg(56)->Arg(1472);

void BM_EchoRequest(benchmark::State& state) {
  BenchStack b;
  run_frames(state, b, echo_request_frame(1, static_cast<std::size_t>(state.range(0))), Counter::icmp_echo_replies_sent);
}
BENCHMARK(BM_EchoRequest)->Arg(56)->Arg(1472);

void BM_ArpRequest(benchmark::State& state) {
  BenchStack b;
  run_frames(state, b, arp_request_for_us(), Counter::arp_requests_answered);
}
BENCHMARK(BM_ArpRequest);

// Echo requests with the cache full: a cost per frame that grows with its size shows here.
// Filled once per size (65 536 learned entries take seconds), not once per timing run.
void BM_EchoWithNeighbours(benchmark::State& state) {
  static std::map<std::int64_t, BenchStack> filled;
  auto [it, _] = filled.try_emplace(state.range(0), static_cast<std::size_t>(state.range(0)));
  run_frames(state, it->second, echo_request_frame(1, 56), Counter::icmp_echo_replies_sent);
}
BENCHMARK(BM_EchoWithNeighbours)->Arg(1)->Arg(65'536);

// One frame per group of drop counters, each meeting its drop after the checks before it.
Frame with_byte(Frame f, std::size_t at, std::uint8_t value) {
  f[at] = std::byte{value};
  return f;
}
constexpr std::size_t kIp = kEthernetHeaderLen;
constexpr std::size_t kIcmp = kIp + kIpv4MinHeaderLen;

void BM_Drop(benchmark::State& state, const Frame& frame, Counter expect) {
  BenchStack b;
  run_frames(state, b, frame, expect);
}
BENCHMARK_CAPTURE(BM_Drop, eth_other_host, echo_request_frame(1, 56, kOurIp, kPeerMac), Counter::eth_drop_other_host);
BENCHMARK_CAPTURE(BM_Drop, ipv6_bad_version, ethernet(kOurMac, kPeerMac, EtherType::ipv6, Frame(40)), Counter::ipv6_drop_bad_version);
BENCHMARK_CAPTURE(BM_Drop, arp_not_for_us,
                  ethernet(MacAddr::broadcast(), kPeerMac, EtherType::arp,
                           arp(ArpOp::request, kPeerMac, kPeerIp, MacAddr::zero(), Ipv4Addr::from_octets(10, 0, 0, 9))),
                  Counter::arp_drop_not_for_us);
// The last byte of the source address changed, the checksum not.
BENCHMARK_CAPTURE(BM_Drop, ip_bad_checksum, with_byte(echo_request_frame(), kIp + 15, 0x7f), Counter::ip_drop_bad_checksum);
BENCHMARK_CAPTURE(BM_Drop, ip_not_for_us, echo_request_frame(1, 56, Ipv4Addr::from_octets(10, 0, 0, 9)),
                  Counter::ip_drop_not_for_us);
BENCHMARK_CAPTURE(BM_Drop, icmp_bad_checksum, with_byte(echo_request_frame(), kIcmp + 8, 0x7f),
                  Counter::icmp_drop_bad_checksum);
BENCHMARK_CAPTURE(BM_Drop, udp_bad_checksum,
                  with_byte(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(4000, 53, 32))),
                            kIcmp + 8, 0x7f),
                  Counter::udp_drop_malformed);
BENCHMARK_CAPTURE(BM_Drop, tcp_reset,
                  ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::tcp, tcp(tcp_flag::rst, 1, 0))),
                  Counter::tcp_drop_reset);

}  // namespace

BENCHMARK_MAIN();
