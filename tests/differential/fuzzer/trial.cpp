#include "tests/differential/fuzzer/trial.hpp"

#include "link/pcap_file.hpp"
#include "tests/differential/cases.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace tapstack::differential::fuzz {
namespace {

// The suite's base time (make_cases.cpp): noon, far from the ms-since-midnight wrap.
constexpr std::int64_t kBaseTimeNs = 1'704'110'400LL * 1'000'000'000LL;

// Runs argv with stdout and stderr into `log`; returns the exit status, or -1 if it could not run.
int run_process(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::uint16_t be16(Bytes f, std::size_t at) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(f[at]) << 8) | std::to_integer<unsigned>(f[at + 1]));
}

std::string token_of(Bytes f) {
  if (f.size() < 14) return "runt";
  const std::uint16_t type = be16(f, 12);
  if (type == 0x0806) return f.size() >= 22 ? "arp" + std::to_string(be16(f, 20)) : "arp?";
  if (type != 0x0800 || f.size() < 34) return "eth" + std::to_string(type);
  const std::size_t ihl = (std::to_integer<std::size_t>(f[14]) & 0x0f) * 4;
  const unsigned proto = std::to_integer<unsigned>(f[23]);
  std::string opts = ihl > 20 ? "+opt" : "";
  if ((be16(f, 20) & 0x1fff) != 0) return "frag" + opts;
  const std::size_t l4 = 14 + ihl;
  std::string t;
  if (proto == 1 && f.size() >= l4 + 2)
    t = "icmp" + std::to_string(std::to_integer<unsigned>(f[l4])) + "/" + std::to_string(std::to_integer<unsigned>(f[l4 + 1]));
  else if (proto == 6 && f.size() >= l4 + 14) t = "tcp" + std::to_string(std::to_integer<unsigned>(f[l4 + 13]));
  else t = "ip" + std::to_string(proto);
  if ((be16(f, 20) & 0x2000) != 0) t += "+mf";
  return t + opts;
}

// The fields whose values say what a difference is (a different ICMP type is another cause;
// a different identification is not); of the rest only the name is kept.
bool value_matters(const std::string& field) {
  static const std::set<std::string> kept = {"icmp.type", "icmp.code", "arp.op", "ipv4.protocol", "tcp.flags", "eth.type"};
  return kept.contains(field);
}

// pcap_compare's DIFF lines, frame numbers and incidental values removed, sorted: "field
// ipv4.ttl; field icmp.type kernel=3(0x3) tapstack=0(0x0)"; frame count differences become
// "count" with both answers' shapes, since what is missing says more than how many.
std::string diff_signature(const std::string& report, const std::string& kshape, const std::string& tshape) {
  std::set<std::string> parts;
  std::istringstream in(report);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("DIFF ")) continue;
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string what = line.substr(colon + 2);
    if (what.starts_with("frame count")) {
      parts.insert("count kernel[" + kshape + "] tapstack[" + tshape + "]");
      continue;
    }
    if (what.starts_with("...")) continue;
    const auto field = what.find("field ");
    if (field == std::string::npos) continue;
    what = what.substr(field + 6);
    const std::string name = what.substr(0, what.find(' '));
    if (name == "length") parts.insert("length");
    else if (value_matters(name)) parts.insert(what.substr(0, what.find(" (")));
    else parts.insert(name);
  }
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : "; ") + p;
  return s;
}

}  // namespace

std::string shape_of(const std::string& pcap) {
  auto reader = PcapReader::open(pcap);
  if (!reader) return "unreadable";
  std::vector<std::string> tokens;
  for (int i = 0; i < 100'000; ++i) {
    auto next = reader->next();
    if (!next || !next->has_value()) break;
    const std::uint16_t type = (*next)->data.size() >= 14 ? be16((*next)->data, 12) : 0;
    if (type != 0x0806 && type != 0x0800) continue;  // kernel background, as pcap_compare skips it
    std::string t = token_of((*next)->data);
    if (!tokens.empty() && (tokens.back() == t || tokens.back() == t + "*")) {
      tokens.back() = t + "*";
      continue;
    }
    tokens.push_back(t);
  }
  if (tokens.empty()) return "silence";
  std::string s;
  for (const std::string& t : tokens) s += (s.empty() ? "" : ",") + t;
  return s;
}

bool write_input(const std::string& path, const Mutant& m, std::string& error) {
  auto writer = PcapWriter::create(path, CaptureLinkType::ethernet);
  if (!writer) {
    error = writer.error();
    return false;
  }
  std::int64_t at_ms = 0;
  for (std::size_t i = 0; i < m.frames.size(); ++i) {
    if (i > 0) at_ms += m.frames[i].gap_ms;
    const Frame f = m.frames[i].materialise();
    writer->write(std::as_bytes(std::span(f)), instant_from_ns(kBaseTimeNs + at_ms * 1'000'000));
  }
  Frame marker(kEndMarkerMac.octets.begin(), kEndMarkerMac.octets.end());
  marker.insert(marker.end(), kPeerMac.octets.begin(), kPeerMac.octets.end());
  marker.push_back(static_cast<std::uint8_t>(kEndMarkerType >> 8));
  marker.push_back(static_cast<std::uint8_t>(kEndMarkerType & 0xff));
  for (char c : std::string("tapstack differential: end of observation window")) marker.push_back(static_cast<std::uint8_t>(c));
  writer->write(std::as_bytes(std::span(marker)), instant_from_ns(kBaseTimeNs + (at_ms + m.window_ms) * 1'000'000));
  if (auto r = writer->close(); !r) {
    error = r.error();
    return false;
  }
  return true;
}

Outcome run_trial(const Tools& tools, const std::string& dir, const std::string& stem, const Mutant& m) {
  Outcome o;
  const std::string base = dir + "/" + stem;
  o.input_pcap = base + ".in.pcap";
  o.kernel_pcap = base + ".kernel.pcap";
  const std::string tapstack_pcap = base + ".tapstack.pcap";
  if (!write_input(o.input_pcap, m, o.error)) return o;

  // Each trial is bounded: the oracle by its case's length, replay and compare by a fixed limit.
  std::vector<std::string> oracle = {"timeout", "-k", "5", std::to_string(m.duration_ms() / 1000 + 20)};
  oracle.insert(oracle.end(), tools.unshare.begin(), tools.unshare.end());
  oracle.insert(oracle.end(), {tools.oracle, o.input_pcap, o.kernel_pcap});
  const int orc = run_process(oracle, base + ".oracle.log");
  if (orc != 0 || slurp(base + ".oracle.log").find("recorded") == std::string::npos) {
    o.error = "kernel_oracle exited " + std::to_string(orc) + ": " + slurp(base + ".oracle.log");
    return o;
  }
  const int rrc = run_process({"timeout", "-k", "5", "30", tools.tapstack, "replay", "--mode", "tap", "--ip", "10.0.0.2/24", "--mac",
                               "02:00:0a:00:00:02", o.input_pcap, tapstack_pcap},
                              base + ".replay.log");
  if (rrc != 0) {
    o.error = "tapstack replay exited " + std::to_string(rrc) + ": " + slurp(base + ".replay.log");
    return o;
  }
  const int crc = run_process({"timeout", "-k", "5", "30", tools.compare, "--name", stem, "--allow-eth-padding", o.kernel_pcap, tapstack_pcap},
                              base + ".compare.txt");
  o.report = slurp(base + ".compare.txt");
  if (crc != 0 && crc != 1) {
    o.error = "pcap_compare exited " + std::to_string(crc) + ": " + o.report;
    return o;
  }
  o.ran = true;
  o.agree = crc == 0;
  o.kernel_shape = shape_of(o.kernel_pcap);
  o.tapstack_shape = shape_of(tapstack_pcap);
  if (!o.agree) o.signature = diff_signature(o.report, o.kernel_shape, o.tapstack_shape);
  return o;
}

bool kernel_is_stable(const Tools& tools, const std::string& first, const std::string& second, const std::string& log) {
  return run_process({tools.compare, "--name", "stability", first, second}, log) == 0;
}

}  // namespace tapstack::differential::fuzz
