// Writes the flood (flood_frames.hpp) to a pcap for `tapstack replay`: the same frames, with the
// same time stamps, that flood_test feeds straight into a Stack.
//
//   make_flood OUT.pcap [FRAMES [SEED]]      default 1 000 000 frames, flood::kDefaultSeed
//   tapstack replay --ip 10.0.0.2/16 OUT.pcap replies.pcap     (replay_flood.sh does both)
#include "link/pcap_file.hpp"
#include "flood_frames.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace tapstack;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: make_flood OUT.pcap [FRAMES [SEED]]\n");
    return 2;
  }
  const std::string out = argv[1];
  const std::size_t frames = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : flood::kDefaultFrames;
  const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 0) : flood::kDefaultSeed;
  auto writer = PcapWriter::create(out, CaptureLinkType::ethernet);
  if (!writer) {
    std::fprintf(stderr, "make_flood: %s\n", writer.error().c_str());
    return 1;
  }
  flood::FloodGenerator flood(seed);
  std::size_t kinds[3] = {}, bytes = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    Instant at;
    flood::FloodGenerator::Kind kind;
    const Bytes frame = flood.next(at, &kind);
    ++kinds[static_cast<int>(kind)];
    bytes += frame.size();
    writer->write(frame, at);
  }
  if (auto closed = writer->close(); !closed) {
    std::fprintf(stderr, "make_flood: %s\n", closed.error().c_str());
    return 1;
  }
  std::printf("make_flood: %zu frames (%zu ARP requests, %zu echo requests, %zu fragments), %zu bytes of frames, to %s\n",
              frames, kinds[0], kinds[1], kinds[2], bytes, out.c_str());
  return 0;
}
