// diff_fuzz: the differential fuzzer. Mutates the suite's inputs, plays every mutant to the
// Linux kernel and to tapstack, and turns what it learns into new cases for the suite.
//
//   diff_fuzz --seconds N [--seed N] [--max-mutants N] [--jobs N] [--max-agreeing N]
//             --oracle BIN --tapstack BIN --compare BIN --unshare 'unshare -n'
//             --corpus DIR [--corpus DIR ...] [--exclude FILE] --work DIR --out DIR
//
// fuzz.sh runs it (README.md explains the whole). Per mutant: one trial (trial.hpp). Then
//  - a disagreement is confirmed by a second kernel run, minimised (fewest frames, then fewest
//    changes) while it keeps its signature, and written as a case unless a case with the same
//    signature exists: one cause, one case;
//  - an agreement whose kernel answer differs from the unmutated input's is minimised the same
//    way while the answer keeps its shape; if a change is still needed for that answer, the
//    mutant found a boundary the suite did not have, and becomes a case (at most
//    --max-agreeing per run).
// Cases go to --out as NAME.in.pcap + NAME.kernel.pcap (the kernel's answer, the same twice) and
// a line of --out/fuzzed.tsv. Bounded by --seconds and --max-mutants; prints progress every
// 15 s and a summary line. Exit 0 after a run (disagreements are reported, not failures),
// 1 when the tools fail, 2 on a usage error.
#include "tests/differential/fuzzer/mutator.hpp"
#include "tests/differential/fuzzer/trial.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace tapstack::differential::fuzz {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMinimiseTrials = 40;      // per minimisation
constexpr int kMinimisePerSignature = 3;  // a signature that did not shrink to a new case by now will not

struct Options {
  double seconds = 60;
  std::uint64_t seed = 1;
  std::uint64_t max_mutants = 1'000'000;
  unsigned jobs = 2;
  unsigned max_agreeing = 30;
  Tools tools;
  std::vector<std::string> corpus;
  std::string exclude;  // known_differences.txt: inputs that disagree already teach nothing new
  std::string work, out;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "diff_fuzz: %s (see tests/differential/README.md)\n", why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage("option " + a + " wants a value");
    const std::string v = argv[++i];
    char* end = nullptr;
    auto number = [&](double lo, double hi) {
      const double n = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || n < lo || n > hi) usage(a + " wants a number in " + std::to_string(lo) + ".." + std::to_string(hi));
      return n;
    };
    if (a == "--seconds") o.seconds = number(1, 86400);
    else if (a == "--seed") o.seed = static_cast<std::uint64_t>(number(0, 1e15));
    else if (a == "--max-mutants") o.max_mutants = static_cast<std::uint64_t>(number(1, 1e9));
    else if (a == "--jobs") o.jobs = static_cast<unsigned>(number(1, 8));
    else if (a == "--max-agreeing") o.max_agreeing = static_cast<unsigned>(number(0, 1000));
    else if (a == "--oracle") o.tools.oracle = v;
    else if (a == "--tapstack") o.tools.tapstack = v;
    else if (a == "--compare") o.tools.compare = v;
    else if (a == "--unshare") {
      std::istringstream in(v);
      for (std::string w; in >> w;) o.tools.unshare.push_back(w);
    } else if (a == "--corpus") o.corpus.push_back(v);
    else if (a == "--exclude") o.exclude = v;
    else if (a == "--work") o.work = v;
    else if (a == "--out") o.out = v;
    else usage("unknown option " + a);
  }
  if (o.tools.oracle.empty() || o.tools.tapstack.empty() || o.tools.compare.empty() || o.tools.unshare.empty() || o.corpus.empty() ||
      o.work.empty() || o.out.empty())
    usage("--oracle, --tapstack, --compare, --unshare, --corpus, --work and --out are required");
  return o;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string case_name(const std::vector<std::string>& fields, const std::string& signature) {
  std::string stem;
  for (std::size_t i = 0; i < fields.size() && i < 2; ++i) stem += "_" + fields[i];
  std::string clean;
  for (char c : stem) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (ok) clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!clean.empty() && clean.back() != '_') clean += '_';
  }
  while (!clean.empty() && clean.back() == '_') clean.pop_back();
  char h[16];
  std::snprintf(h, sizeof h, "%06zx", std::hash<std::string>{}(signature) & 0xffffff);
  return "fz" + (clean.empty() ? std::string("_sequence") : (clean.front() == '_' ? clean : "_" + clean)) + "_" + h;
}

class Fuzzer {
 public:
  Fuzzer(Options o, std::vector<CorpusEntry> corpus) : o_(std::move(o)), corpus_(std::move(corpus)) {
    for (const CorpusEntry& e : corpus_) base_shape_[e.name] = e.answer_shape;
    load_existing();
  }

  void run() {
    start_ = Clock::now();
    deadline_ = start_ + std::chrono::milliseconds(static_cast<std::int64_t>(o_.seconds * 1000));
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < o_.jobs; ++w) workers.emplace_back([this, w] { work(w); });
    auto last = Clock::now();
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (Clock::now() - last >= std::chrono::seconds(15)) {
        last = Clock::now();
        progress("fuzz:");
      }
      if (finished_workers_ == o_.jobs) done_ = true;
    }
    for (auto& t : workers) t.join();
    progress("fuzz: done:");
  }

  bool tools_failed() const { return errors_ > 0 && mutants_ == 0; }

 private:
  bool out_of_time() const { return Clock::now() >= deadline_ || mutants_ >= o_.max_mutants; }

  void progress(const char* what) {
    const double s = std::chrono::duration<double>(Clock::now() - start_).count();
    std::lock_guard lock(mu_);
    std::printf("%s %.0f s, %llu mutants (%.2f mutants/s), %llu disagreements (%zu signatures, %llu unstable), %u new cases "
                "(%u disagreeing, %u agreeing), %llu trials, %llu tool errors\n",
                what, s, static_cast<unsigned long long>(mutants_.load()), s > 0 ? static_cast<double>(mutants_) / s : 0.0,
                static_cast<unsigned long long>(disagreements_.load()), signatures_.size(), static_cast<unsigned long long>(unstable_.load()),
                new_disagreeing_ + new_agreeing_, new_disagreeing_, new_agreeing_, static_cast<unsigned long long>(trials_.load()),
                static_cast<unsigned long long>(errors_.load()));
    std::fflush(stdout);
  }

  void load_existing() {
    std::ifstream in(o_.out + "/fuzzed.tsv");
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols;
      std::istringstream s(line);
      for (std::string c; std::getline(s, c, '\t');) cols.push_back(c);
      if (!cols.empty()) names_.insert(cols[0]);
      if (cols.size() >= 5) written_.insert(cols[4]);
    }
  }

  Outcome trial(unsigned worker, const Mutant& m) {
    const std::string dir = o_.work + "/w" + std::to_string(worker);
    ++trials_;
    Outcome out = run_trial(o_.tools, dir, "t", m);
    if (!out.ran) {
      std::lock_guard lock(mu_);
      if (++errors_ <= 3) std::printf("fuzz: trial failed: %s\n", out.error.c_str());
    }
    return out;
  }

  // Takes back whatever the predicate does not need: frames first, then each change.
  template <typename Keep>
  Mutant minimise(unsigned worker, Mutant m, Keep keep) {
    int budget = kMinimiseTrials;
    auto attempt = [&](const Mutant& candidate) {
      if (budget-- <= 0 || Clock::now() >= deadline_ + std::chrono::seconds(60)) return false;
      return keep(trial(worker, candidate));
    };
    const std::size_t frames_before = m.frames.size();
    for (std::size_t i = m.frames.size(); i-- > 0 && m.frames.size() > 1;) {
      Mutant c = m;
      c.frames.erase(c.frames.begin() + static_cast<std::ptrdiff_t>(i));
      if (attempt(c)) m = std::move(c);
    }
    if (m.frames.size() != frames_before) {
      std::erase_if(m.sequence_changes, [](const std::string& s) { return !s.starts_with("fragmented"); });
      const bool still_fragmented = std::any_of(m.frames.begin(), m.frames.end(),
                                                [](const MutantFrame& f) { return f.origin.find(" frag ") != std::string::npos; });
      if (!still_fragmented) m.sequence_changes.clear();
    }
    for (std::size_t i = 0; i < m.frames.size(); ++i) {
      if (m.frames[i].reshape != Reshape::none) {
        Mutant c = m;
        c.frames[i].reshape = Reshape::none;
        c.frames[i].extra.clear();
        if (attempt(c)) m = std::move(c);
      }
      for (std::size_t e = m.frames[i].edits.size(); e-- > 0;) {
        Mutant c = m;
        c.frames[i].edits.erase(c.frames[i].edits.begin() + static_cast<std::ptrdiff_t>(e));
        if (attempt(c)) m = std::move(c);
      }
      for (bool MutantFrame::*flag : {&MutantFrame::fix_ip_checksum, &MutantFrame::fix_l4_checksum}) {
        if (m.frames[i].*flag) continue;
        Mutant c = m;
        c.frames[i].*flag = true;
        if (attempt(c)) m = std::move(c);
      }
      if (m.frames[i].gap_ms != m.frames[i].base_gap_ms) {
        Mutant c = m;
        c.frames[i].gap_ms = c.frames[i].base_gap_ms;
        if (attempt(c)) m = std::move(c);
      }
    }
    return m;
  }

  // Runs the final mutant twice; writes it when the kernel answered the same both times and
  // the outcome is still the one being recorded.
  bool write_case(unsigned worker, const Mutant& m, const std::string& signature, bool disagreeing) {
    const Outcome first = trial(worker, m);
    if (!first.ran) return false;
    const std::string dir = o_.work + "/w" + std::to_string(worker);
    std::error_code ec;
    std::filesystem::copy_file(first.kernel_pcap, dir + "/first.kernel.pcap", std::filesystem::copy_options::overwrite_existing, ec);
    const Outcome second = trial(worker, m);
    if (!second.ran || !kernel_is_stable(o_.tools, dir + "/first.kernel.pcap", second.kernel_pcap, dir + "/stability.txt")) {
      ++unstable_;
      return false;
    }
    if (disagreeing == second.agree) return false;
    std::lock_guard lock(mu_);
    if (written_.contains(signature)) return false;
    const std::vector<std::string> fields = m.changed_fields();
    std::string name = case_name(fields, signature);
    while (names_.contains(name)) name += "x";
    std::string description = "fuzzed from " + m.base_case + ":";
    for (std::size_t i = 0; i < m.frames.size(); ++i) {
      const std::string changes = m.frames[i].describe_changes();
      description += " #" + std::to_string(i) + " " + m.frames[i].origin + (changes.empty() ? "" : " [" + changes + "]");
    }
    if (!m.sequence_changes.empty()) description += "; " + join(m.sequence_changes, ", ");
    description += "; kernel answers " + second.kernel_shape;
    if (disagreeing) description += ", tapstack " + second.tapstack_shape;
    for (char& c : description)
      if (c == '\t' || c == '\n') c = ' ';
    std::filesystem::create_directories(o_.out, ec);
    std::filesystem::copy_file(second.input_pcap, o_.out + "/" + name + ".in.pcap", std::filesystem::copy_options::overwrite_existing, ec);
    std::filesystem::copy_file(second.kernel_pcap, o_.out + "/" + name + ".kernel.pcap", std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      std::printf("fuzz: cannot write %s: %s\n", name.c_str(), ec.message().c_str());
      return false;
    }
    const bool fresh = !std::filesystem::exists(o_.out + "/fuzzed.tsv");
    std::ofstream tsv(o_.out + "/fuzzed.tsv", std::ios::app);
    if (fresh) tsv << "# name\tduration_ms\tshort|long\tdescription\tsignature (written by diff_fuzz)\n";
    tsv << name << '\t' << m.duration_ms() << '\t' << (m.duration_ms() > 10'000 ? "long" : "short") << '\t' << description << '\t'
        << signature << '\n';
    std::ofstream report(o_.work + "/found/" + name + ".txt");
    report << description << "\nsignature: " << signature << "\n\n" << second.report;
    written_.insert(signature);
    names_.insert(name);
    (disagreeing ? new_disagreeing_ : new_agreeing_) += 1;
    std::printf("fuzz: NEW %s %s: %s\n", disagreeing ? "DISAGREEMENT" : "case", name.c_str(), signature.c_str());
    if (disagreeing) std::printf("%s", second.report.c_str());
    std::fflush(stdout);
    return true;
  }

  void on_disagreement(unsigned worker, const Mutant& m, const Outcome& o) {
    ++disagreements_;
    {
      std::lock_guard lock(mu_);
      if (signatures_[o.signature]++ >= kMinimisePerSignature) return;
    }
    const Outcome again = trial(worker, m);
    if (!again.ran || again.agree || again.signature != o.signature) {
      ++unstable_;
      return;
    }
    const Mutant small = minimise(worker, m, [&](const Outcome& x) { return x.ran && !x.agree && x.signature == o.signature; });
    if (small.changes() == 0) return;  // the corpus input itself disagrees: a case the suite already has
    const std::string full = "DIFF " + o.signature + " @ " + join(small.changed_fields(), ",");
    {
      std::lock_guard lock(mu_);
      if (written_.contains(full)) return;
    }
    write_case(worker, small, full, true);
  }

  void on_agreement(unsigned worker, const Mutant& m, const Outcome& o) {
    const auto base = base_shape_.find(m.base_case);
    if (base == base_shape_.end() || base->second.empty() || base->second == o.kernel_shape) return;
    {
      std::lock_guard lock(mu_);
      if (new_agreeing_ >= o_.max_agreeing) return;
      if (!tried_.insert(o.kernel_shape + " @ " + join(m.changed_fields(), ",")).second) return;
    }
    const Mutant small = minimise(worker, m, [&](const Outcome& x) { return x.ran && x.agree && x.kernel_shape == o.kernel_shape; });
    if (small.changes() == 0) return;  // the corpus input alone answers so: nothing new
    const std::string full = "AGREE " + o.kernel_shape + " @ " + join(small.changed_fields(), ",");
    {
      std::lock_guard lock(mu_);
      if (written_.contains(full) || new_agreeing_ >= o_.max_agreeing) return;
    }
    write_case(worker, small, full, false);
  }

  void work(unsigned worker) {
    std::filesystem::create_directories(o_.work + "/w" + std::to_string(worker));
    std::filesystem::create_directories(o_.work + "/found");
    Mutator mutator(o_.seed * 1'000'003 + worker);
    while (!out_of_time()) {
      const Mutant m = mutator.make(corpus_);
      const Outcome o = trial(worker, m);
      if (!o.ran) {
        if (errors_ > 20 && mutants_ == 0) break;  // the tools do not work here: stop, say so
        continue;
      }
      ++mutants_;
      if (!o.agree) on_disagreement(worker, m, o);
      else on_agreement(worker, m, o);
    }
    ++finished_workers_;
  }

  Options o_;
  std::vector<CorpusEntry> corpus_;
  std::map<std::string, std::string> base_shape_;
  Clock::time_point start_, deadline_;
  std::atomic<std::uint64_t> mutants_{0}, disagreements_{0}, unstable_{0}, trials_{0}, errors_{0};
  std::atomic<unsigned> finished_workers_{0};
  std::atomic<bool> done_{false};
  std::mutex mu_;  // guards what follows and stdout
  std::map<std::string, unsigned> signatures_;
  std::set<std::string> tried_, written_, names_;
  unsigned new_disagreeing_ = 0, new_agreeing_ = 0;
};

}  // namespace
}  // namespace tapstack::differential::fuzz

int main(int argc, char** argv) {
  using namespace tapstack::differential::fuzz;
  Options o = parse(argc, argv);
  std::string error;
  std::vector<CorpusEntry> corpus = load_corpus(o.corpus, error);
  if (!error.empty()) {
    std::fprintf(stderr, "diff_fuzz: %s\n", error.c_str());
    return 1;
  }
  if (!o.exclude.empty()) {
    // Every mutant of a case that already disagrees disagrees the same way, and its changes
    // cannot be minimised away: such inputs only bury the new findings.
    std::ifstream in(o.exclude);
    if (!in) usage("cannot read " + o.exclude);
    std::set<std::string> known;
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') known.insert(line.substr(0, line.find_first_of(" \t")));
    std::erase_if(corpus, [&](const CorpusEntry& e) { return known.contains(e.name); });
  }
  // The trials run the oracle with IPv6 off (trial.cpp), where the v6_ cases mean nothing.
  std::erase_if(corpus, [](const CorpusEntry& e) { return e.name.starts_with("v6_"); });
  if (corpus.empty()) usage("no usable pcap under the --corpus directories");
  for (CorpusEntry& e : corpus)
    if (std::filesystem::exists(e.answer_path)) e.answer_shape = shape_of(e.answer_path);
  std::printf("fuzz: %zu corpus inputs, seed %llu, %u jobs, %.0f s\n", corpus.size(), static_cast<unsigned long long>(o.seed), o.jobs,
              o.seconds);
  std::fflush(stdout);
  Fuzzer fuzzer(std::move(o), std::move(corpus));
  fuzzer.run();
  return fuzzer.tools_failed() ? 1 : 0;
}
