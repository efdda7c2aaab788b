// Writes per-target seeds from the golden fixtures (pcap-fixtures/) and the hand-made stack
// seeds (corpus/stack/, make_corpus.cpp): every frame cut into what each target takes (the
// frame, its ARP packet, its datagram, its options, its ICMP message or transport segment);
// each conversation's fragments and its ARP and echo traffic as a reassembly and a neighbour
// sequence; each fixture as a stack seed and (inputs only) as a whole pcap file; each
// fixtures.tsv command line, and a few naming every option, as cli seeds. Seeds are named
// fx-<FNV-1a of the content>, so identical ones collapse; a run first removes the fx-* files.
//
//   make_fuzz_seeds FIXTURE_DIR CORPUS_DIR     (README.md: how to regenerate)
#include "fuzz_input.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

#include "capture_input.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace tapstack;
namespace fs = std::filesystem;
using Seed = std::vector<std::uint8_t>;

fs::path g_out;
std::map<std::string, std::set<std::string>> g_written;  // target -> names

void put8(Seed& s, unsigned v) { s.push_back(static_cast<std::uint8_t>(v)); }
void put16(Seed& s, unsigned v) {
  put8(s, v >> 8);
  put8(s, v);
}
void put32(Seed& s, std::uint32_t v) {
  put16(s, v >> 16);
  put16(s, v & 0xffff);
}
void put(Seed& s, Bytes b) {
  for (const std::byte x : b) s.push_back(std::to_integer<std::uint8_t>(x));
}

void write(const std::string& target, const Seed& seed, std::size_t max_len) {
  const Seed s(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(std::min(seed.size(), max_len)));
  std::uint64_t h = 0xcbf29ce484222325;
  for (const std::uint8_t b : s) h = (h ^ b) * 0x100000001b3;
  char name[32];
  std::snprintf(name, sizeof name, "fx-%016llx", static_cast<unsigned long long>(h));
  if (!g_written[target].insert(name).second) return;
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
}

// The index of the largest clock step in fuzz::kAdvance not longer than gap.
unsigned advance_index(Duration gap) {
  unsigned best = 0;
  for (unsigned i = 0; i < fuzz::kAdvance.size(); ++i)
    if (fuzz::kAdvance[i] <= gap) best = i;
  return best;
}

// Small dense indices for the addresses a fixture uses (neighbour and reassembly targets).
template <class K>
unsigned index_of(std::map<K, unsigned>& m, const K& k, unsigned modulo) {
  const auto [it, fresh] = m.try_emplace(k, static_cast<unsigned>(m.size()));
  return it->second % modulo;
}

struct FixtureSeeds {
  Seed stack, reassembly, neighbour;
  std::map<std::uint32_t, unsigned> neighbours, sources, idents;
  std::map<MacAddr, unsigned> macs;
  bool any_fragment = false, any_neighbour = false;
};

void datagram_seeds(Bytes datagram, FixtureSeeds& fx, Duration gap) {
  write("ipv4", [&] { Seed s; put(s, datagram); return s; }(), 4096);
  const auto ip = Ipv4View::parse(datagram);
  if (!ip) return;
  if (!ip->options().empty()) {
    Seed s;
    put8(s, 24);
    put32(s, fuzz::kOurIp.value);
    put32(s, ip->src().value);
    put32(s, 0x01020304);
    put(s, ip->options());
    write("ip_options", s, 64);
  }
  const unsigned protocol = static_cast<unsigned>(ip->protocol());
  if (ip->is_fragment()) {
    fx.any_fragment = true;
    const unsigned key = index_of(fx.sources, ip->src().value, 4) | (index_of(fx.idents, std::uint32_t{ip->ident()}, 8) << 2) |
                         (protocol == 17 ? 0x20u : 0u) | (ip->dst() != fuzz::kOurIp ? 0x40u : 0u);
    put8(fx.reassembly, key);
    put16(fx.reassembly, (ip->flags_frag() & 0x7fffu) | (ip->header_len() > 20 ? 0x8000u : 0u));
    put16(fx.reassembly, static_cast<unsigned>(ip->payload().size()));
    put8(fx.reassembly, (ip->tos() & 3u) | (advance_index(gap) << 2));
    return;
  }
  if (protocol == 1) {
    write("icmp", [&] { Seed s; put(s, ip->payload()); return s; }(), 2048);
    // An echo or timestamp request makes the stack resolve the sender: a resolve() event.
    fx.any_neighbour = true;
    put8(fx.neighbour, 0 | (index_of(fx.neighbours, ip->src().value, 16) << 2));
    put8(fx.neighbour, 0);
    put8(fx.neighbour, advance_index(gap));
  } else if (protocol == 6 || protocol == 17) {
    Seed s;
    put32(s, ip->src().value);
    put32(s, ip->dst().value);
    put(s, ip->payload());
    write("transport", s, 2048);
  }
}

void arp_seeds(Bytes packet, FixtureSeeds& fx, Duration gap, bool to_us) {
  write("arp", [&] { Seed s; put(s, packet); return s; }(), 256);
  if (packet.size() < 28) return;
  // A learn() event: a request creates and forces, a reply to us confirms.
  const bool request = load_be16(packet, 6) == 1;
  MacAddr mac;
  for (std::size_t i = 0; i < 6; ++i) mac.octets[i] = load_u8(packet, 8 + i);
  fx.any_neighbour = true;
  put8(fx.neighbour, 1 | (index_of(fx.neighbours, load_be32(packet, 14), 16) << 2));
  put8(fx.neighbour, (1 + index_of(fx.macs, mac, 7)) | (request ? 0x18u : (to_us ? 0x20u : 0u)));
  put8(fx.neighbour, advance_index(gap));
}

// One conversation, a fixture's or a stack seed's: its frames, with the time since the one
// before, cut into every target's seeds. write_stack: also as a stack seed (fixtures only; the
// stack seeds are there already).
struct Frame {
  std::vector<std::byte> data;
  Duration gap{};
};

void conversation(const std::vector<Frame>& frames, bool tun, bool write_stack) {
  FixtureSeeds fx;
  put8(fx.reassembly, 0x0b);  // 256 KiB (4 slots), 30 s, max_dist 64
  put8(fx.neighbour, 0x57);   // 8 entries, 3 probes each way
  put8(fx.neighbour, 0x00);   // Linux's times
  put8(fx.neighbour, 0xfc);   // locktime 1 s, 8 frames held per neighbour and in total
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Bytes data = frames[i].data;
    const Duration gap = frames[i].gap;
    // The stack seed: the fixture as records, its first choosing TUN or TAP (MTU 1500, default
    // limits), then clock steps as close to the capture's as kAdvance allows.
    const std::uint8_t flags = i == 0 ? (tun ? fuzz::flag::cfg_tun : 0)
                                      : static_cast<std::uint8_t>(advance_index(gap) << fuzz::flag::advance_shift);
    fuzz::append_record(fx.stack, flags, data);

    if (tun) {
      datagram_seeds(data, fx, gap);
      continue;
    }
    write("ethernet", [&] { Seed s; put(s, data); return s; }(), 256);
    const auto eth = EthernetView::parse(data);
    if (!eth) continue;
    unsigned type_field = static_cast<unsigned>(eth->type());
    Bytes payload = eth->payload();
    if ((type_field == 0x8100 || type_field == 0x88a8) && payload.size() >= 4) {
      type_field = load_be16(payload, 2);
      payload = payload.subspan(4);
    }
    if (type_field == 0x0806) arp_seeds(payload, fx, gap, eth->dst() == fuzz::kOurMac);
    if (type_field == 0x0800) datagram_seeds(payload, fx, gap);
  }
  if (write_stack) write("stack", fx.stack, 70000);
  if (fx.any_fragment) write("reassembly", fx.reassembly, 4096);
  if (fx.any_neighbour) {
    for (int i = 0; i < 4; ++i) {  // then let the timers run: jump to each deadline
      put8(fx.neighbour, 3);
      put8(fx.neighbour, 0);
      put8(fx.neighbour, 0);
    }
    write("neighbour", fx.neighbour, 4096);
  }
}

bool fixture(const fs::path& path) {
  std::string error;
  const auto reader = fuzz::CaptureInput::open(path.string(), error);
  if (!reader) {
    std::fprintf(stderr, "make_fuzz_seeds: %s\n", error.c_str());
    return false;
  }
  const std::string name = path.filename().string();
  const bool input = name.find(".expected.") == std::string::npos && name.find(".kernel.") == std::string::npos;
  if (input) {
    std::ifstream in(path, std::ios::binary);
    const Seed whole{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    write("pcap", whole, 70000);
  }
  const auto type = reader->link_type();
  if (!type) return true;
  std::vector<Frame> frames;
  std::optional<Instant> last;
  for (CapturedFrame f{}; reader->next(f, error) == fuzz::CaptureInput::Next::frame;) {
    frames.push_back({{f.data.begin(), f.data.end()}, last ? std::max(Duration{}, f.timestamp - *last) : Duration{}});
    last = f.timestamp;
  }
  conversation(frames, *type == CaptureLinkType::raw_ip, input);
  return true;
}

// A stack seed (records of fuzz_input.hpp): the fixtures have no fragments, UDP or TCP; the
// hand-made stack seeds (make_corpus.cpp) do.
void stack_seed(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const Seed bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  fuzz::RecordReader records(bytes.data(), bytes.size());
  std::vector<Frame> frames;
  bool tun = false;
  Duration gap{};
  for (bool first = true; auto r = records.next(); first = false) {
    if (first) tun = (r->flags & fuzz::flag::cfg_tun) != 0;
    else gap += fuzz::kAdvance[r->flags >> fuzz::flag::advance_shift];
    if ((r->flags & fuzz::flag::no_frame) != 0) continue;
    Frame f;
    for (const std::uint8_t b : r->bytes) f.data.push_back(std::byte{b});
    f.gap = gap;
    gap = {};
    frames.push_back(std::move(f));
  }
  conversation(frames, tun, false);
}

// cli: byte 0 = 1 (--ip required), then NUL-separated words.
void cli_seed(const std::vector<std::string>& words) {
  Seed s{1};
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i != 0) s.push_back(0);
    s.insert(s.end(), words[i].begin(), words[i].end());
  }
  write("cli", s, 1024);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_fuzz_seeds FIXTURE_DIR CORPUS_DIR\n");
    return 2;
  }
  const fs::path fixtures = argv[1];
  g_out = argv[2];
  // Start over: remove what an earlier run wrote (fx-*), keep hand-written seeds.
  if (fs::exists(g_out)) {
    for (const auto& e : fs::recursive_directory_iterator(g_out))
      if (e.is_regular_file() && e.path().filename().string().starts_with("fx-")) fs::remove(e.path());
  }

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fixtures)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  bool ok = true;
  for (const auto& f : files) ok = fixture(f) && ok;
  std::vector<fs::path> stack_seeds;
  for (const auto& e : fs::directory_iterator(g_out / "stack"))
    if (e.is_regular_file() && !e.path().filename().string().starts_with("fx-")) stack_seeds.push_back(e.path());
  std::sort(stack_seeds.begin(), stack_seeds.end());
  for (const auto& f : stack_seeds) stack_seed(f);

  // The command lines of the golden fixtures, and a few that name every option.
  std::ifstream tsv(fixtures / "fixtures.tsv");
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, input, mode, ip, mac;
    fields >> name >> input >> mode >> ip >> mac;
    std::vector<std::string> words{"--mode", mode, "--ip", ip};
    if (mac != "-") words.insert(words.end(), {"--mac", mac});
    cli_seed(words);
  }
  cli_seed({"--ip", "10.0.0.2/16", "--mac", "02:00:0a:00:00:02", "--mtu", "68", "--icmp-echo-ignore-all",
            "--icmp-echo-ignore-broadcasts=0", "--icmp-ratelimit", "0", "--icmp-ratemask", "0xffffffff",
            "--icmp-msgs-per-sec", "1", "--icmp-msgs-burst", "1", "--ipfrag-time", "1", "--ipfrag-high-thresh",
            "65536", "--arp-defend"});
  cli_seed({"--mode=tun", "--ip=192.168.1.1/30", "--mtu=65535", "--icmp-ratemask=6168", "--ipfrag-time=3600",
            "--ipfrag-high-thresh=1073741824"});
  cli_seed({"--ip", "10.0.0.2", "--help"});

  for (const auto& [target, names] : g_written) std::printf("%-12s %zu seeds\n", target.c_str(), names.size());
  return ok ? 0 : 1;
}
