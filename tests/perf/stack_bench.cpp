// How much does answering a ping cost compared with the least any answer costs — copying the
// frame once? Prints both, measured in the same run, and their ratio. Timings are noisy on a
// shared machine, so nothing here is asserted; for a repeatable figure run it under
// `valgrind --tool=callgrind` and read instruction counts.
#include "stack/stack.hpp"

#include "../test_frames.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

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

template <class F>
double ns_per_iteration(int iterations, F&& body) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) body(i);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 2'000'000;
  StackConfig config;
  config.mac = kOurMac;
  config.ip = Ipv4Interface{kOurIp, 24};
  CopySink sink;
  Stack stack(config, sink);
  const Instant t0 = instant_from_ns(1'000'000'000);
  stack.on_frame(arp_request_for_us(), t0);

  std::printf("%-28s %12s %12s %8s\n", "frame", "copy ns", "stack ns", "ratio");
  for (const std::size_t payload : {56u, 1472u}) {
    const Frame request = echo_request_frame(1, payload);
    const double copy = ns_per_iteration(iterations, [&](int) {
      sink.emit(request, t0);
      asm volatile("" ::: "memory");
    });
    const double answer = ns_per_iteration(iterations, [&](int) { stack.on_frame(request, t0); });
    std::printf("echo request, %4zu B data   %12.1f %12.1f %8.2f\n", payload, copy, answer, answer / copy);
  }
  std::printf("frames answered: %zu\n", sink.frames);
  return 0;
}
