#pragma once
// Where mutants come from: the corpus (every input of the differential suite and of
// pcap-fixtures, each a valid sequence of frames with its timing) and the random changes made
// to it, field by field, with values chosen where hosts tend to disagree.
#include "tests/differential/fuzzer/mutant.hpp"

#include <random>
#include <string>
#include <vector>

namespace tapstack::differential::fuzz {

struct CorpusEntry {
  std::string name;               // the suite case or fixture it came from
  std::vector<Frame> frames;      // without the end-of-window marker
  std::vector<std::int64_t> gaps;  // ms before each frame (gaps[0] is 0)
  std::int64_t window_ms = 300;   // from the last frame to the marker
  std::string answer_path;        // the kernel's recorded answer to it (suite inputs only)
  std::string answer_shape;       // shape_of(answer_path), filled in by the caller
};

// Reads every Ethernet pcap under the given directories (`*.in.pcap` of golden/, `*.pcap` of
// pcap-fixtures/). Entries too large to fuzz quickly (many frames, 64 KiB datagrams) are left out.
std::vector<CorpusEntry> load_corpus(const std::vector<std::string>& dirs, std::string& error);

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  Mutant make(const std::vector<CorpusEntry>& corpus);

 private:
  void mutate_frame(MutantFrame& f);
  void fragment_one(Mutant& m);
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(pick(256)); }
  template <typename T, std::size_t N>
  T one_of(const T (&values)[N]) {
    return values[pick(N)];
  }

  std::mt19937_64 rng_;
};

}  // namespace tapstack::differential::fuzz
