#include "tests/differential/fuzzer/mutator.hpp"

#include "link/pcap_file.hpp"
#include "tests/differential/cases.hpp"

#include <algorithm>
#include <filesystem>

namespace tapstack::differential::fuzz {
namespace {

constexpr std::size_t kEth = 14;
constexpr std::size_t kMaxFrames = 12;         // more makes a slow trial and a long minimisation
constexpr std::size_t kMaxFrameBytes = 1600;   // 64 KiB datagrams are the suite's own business
constexpr std::int64_t kMaxGapMs = 1100;       // past ARP locktime (1 s), short of NUD's 5 s
constexpr std::int64_t kMaxWindowMs = 1500;

std::uint16_t be16(const Frame& f, std::size_t at) { return static_cast<std::uint16_t>((f[at] << 8) | f[at + 1]); }

bool is_marker(const Frame& f) {
  return f.size() >= kEth && std::equal(kEndMarkerMac.octets.begin(), kEndMarkerMac.octets.end(), f.begin()) &&
         be16(f, 12) == kEndMarkerType;
}

// The suite's seed: the peer's broadcast ARP request, which most cases begin with.
bool is_seed(const Frame& f) { return f.size() >= 42 && be16(f, 12) == 0x0806 && f[0] == 0xff && be16(f, kEth + 6) == 1; }

bool load_one(const std::filesystem::path& path, CorpusEntry& entry, std::string& error) {
  auto reader = PcapReader::open(path.string());
  if (!reader) {
    error = reader.error();
    return false;
  }
  if (reader->link_type() != CaptureLinkType::ethernet) return false;  // TUN fixtures: raw IP
  std::int64_t previous_ns = 0;
  for (int i = 0; i < 10'000; ++i) {
    auto next = reader->next();
    if (!next) {
      error = path.string() + ": " + next.error();
      return false;
    }
    if (!next->has_value()) break;
    Frame f((*next)->data.size());
    std::transform((*next)->data.begin(), (*next)->data.end(), f.begin(), [](std::byte b) { return std::to_integer<std::uint8_t>(b); });
    const std::int64_t ns = to_ns((*next)->timestamp);
    const std::int64_t gap = entry.frames.empty() ? 0 : std::clamp<std::int64_t>((ns - previous_ns) / 1'000'000, 0, kMaxGapMs);
    previous_ns = ns;
    if (is_marker(f)) {
      entry.window_ms = std::clamp<std::int64_t>(gap, 50, kMaxWindowMs);
      break;
    }
    if (f.size() > kMaxFrameBytes || entry.frames.size() == kMaxFrames) return false;
    entry.frames.push_back(std::move(f));
    entry.gaps.push_back(gap);
  }
  return !entry.frames.empty();
}

const std::uint8_t kMacs[][6] = {{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}, {0x02, 0x00, 0x0a, 0x00, 0x00, 0x01},
                                 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01},
                                 {0x02, 0x00, 0x0a, 0x00, 0x00, 0x63}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
                                 {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}};
const std::uint8_t kAddrs[][4] = {{10, 0, 0, 2},     {10, 0, 0, 1},   {10, 0, 0, 255},  {255, 255, 255, 255}, {0, 0, 0, 0},
                                  {127, 0, 0, 1},    {224, 0, 0, 1},  {10, 0, 0, 99},   {192, 168, 7, 7},     {240, 0, 0, 1},
                                  {10, 0, 0, 0},     {169, 254, 1, 1}, {239, 1, 2, 3},  {10, 0, 0, 3}};

}  // namespace

std::vector<CorpusEntry> load_corpus(const std::vector<std::string>& dirs, std::string& error) {
  std::vector<CorpusEntry> corpus;
  for (const std::string& dir : dirs) {
    std::vector<std::filesystem::path> paths;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (!name.ends_with(".pcap") || name.ends_with(".kernel.pcap") || name.ends_with(".expected.pcap")) continue;
      paths.push_back(e.path());
    }
    if (ec) {
      error = dir + ": " + ec.message();
      return {};
    }
    std::sort(paths.begin(), paths.end());  // a seed gives the same mutants everywhere
    for (const auto& p : paths) {
      CorpusEntry entry;
      std::string name = p.filename().string();
      entry.name = name.substr(0, name.find('.'));
      // Only the suite's recordings answer exactly this input with exactly this window; the
      // fixtures' were captured live, so their answers are no baseline for a boundary.
      if (name.ends_with(".in.pcap")) entry.answer_path = (p.parent_path() / (entry.name + ".kernel.pcap")).string();
      if (load_one(p, entry, error)) corpus.push_back(std::move(entry));
      if (!error.empty()) return {};
    }
  }
  return corpus;
}

Mutant Mutator::make(const std::vector<CorpusEntry>& corpus) {
  const CorpusEntry& entry = corpus[pick(corpus.size())];
  Mutant m;
  m.base_case = entry.name;
  m.window_ms = entry.window_ms;
  for (std::size_t i = 0; i < entry.frames.size(); ++i) {
    MutantFrame f;
    f.base = entry.frames[i];
    f.origin = entry.name + "#" + std::to_string(i);
    f.gap_ms = f.base_gap_ms = entry.gaps[i];
    m.frames.push_back(std::move(f));
  }
  if (chance(0.2)) fragment_one(m);
  // Mostly mutate what the case is about, not its seed.
  const bool has_seed = m.frames.size() > 1 && is_seed(m.frames[0].base);
  const std::size_t mutated = 1 + pick(2);
  for (std::size_t i = 0; i < mutated; ++i) {
    std::size_t at = pick(m.frames.size());
    if (has_seed && at == 0 && chance(0.8)) at = 1 + pick(m.frames.size() - 1);
    mutate_frame(m.frames[at]);
  }
  if (m.frames.size() > 1 && chance(0.1)) {
    const std::size_t at = 1 + pick(m.frames.size() - 1);
    m.frames.erase(m.frames.begin() + static_cast<std::ptrdiff_t>(at));
    m.sequence_changes.push_back("dropped #" + std::to_string(at));
  }
  if (m.frames.size() < kMaxFrames && chance(0.1)) {
    const std::size_t at = pick(m.frames.size());
    MutantFrame copy = m.frames[at];
    copy.gap_ms = copy.base_gap_ms = static_cast<std::int64_t>(pick(3)) * 5;
    m.frames.insert(m.frames.begin() + static_cast<std::ptrdiff_t>(at + 1), std::move(copy));
    m.sequence_changes.push_back("duplicated #" + std::to_string(at));
  }
  if (m.frames.size() > 2 && chance(0.1)) {
    const std::size_t at = 1 + pick(m.frames.size() - 2);
    std::swap(m.frames[at], m.frames[at + 1]);
    std::swap(m.frames[at].gap_ms, m.frames[at + 1].gap_ms);  // the order changes, the timing does not
    std::swap(m.frames[at].base_gap_ms, m.frames[at + 1].base_gap_ms);
    m.sequence_changes.push_back("swapped #" + std::to_string(at));
  }
  if (m.frames.size() > 1 && chance(0.15)) {
    const std::int64_t gaps[] = {0, 1, 5, 50, 200, 999, 1001, 1100};
    m.frames[1 + pick(m.frames.size() - 1)].gap_ms = one_of(gaps);
  }
  return m;
}

// Cuts one unfragmented, option-less datagram into 2 or 3 fragments, in order or reversed.
void Mutator::fragment_one(Mutant& m) {
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < m.frames.size(); ++i) {
    const Frame& f = m.frames[i].base;
    if (f.size() >= kEth + 20 + 16 && be16(f, 12) == 0x0800 && f[kEth] == 0x45 && (be16(f, kEth + 6) & 0x3fff) == 0 &&
        be16(f, kEth + 2) >= 20 + 16 && be16(f, kEth + 2) + kEth <= f.size())
      candidates.push_back(i);
  }
  if (candidates.empty() || m.frames.size() + 2 > kMaxFrames) return;
  const std::size_t at = candidates[pick(candidates.size())];
  const MutantFrame whole = m.frames[at];
  const std::size_t payload = be16(whole.base, kEth + 2) - 20;
  const std::size_t pieces = payload >= 24 && chance(0.5) ? 3 : 2;
  std::vector<std::size_t> cuts{0};
  for (std::size_t p = 1; p < pieces; ++p) {
    const std::size_t lo = cuts.back() / 8 + 1, hi = (payload - 1) / 8;
    if (lo > hi) break;
    cuts.push_back((lo + pick(hi - lo + 1)) * 8);
  }
  cuts.push_back(payload);
  std::vector<MutantFrame> frags;
  for (std::size_t p = 0; p + 1 < cuts.size(); ++p) {
    MutantFrame f;
    f.origin = whole.origin + " frag " + std::to_string(p + 1) + "/" + std::to_string(cuts.size() - 1);
    f.base.assign(whole.base.begin(), whole.base.begin() + kEth + 20);
    f.base.insert(f.base.end(), whole.base.begin() + static_cast<std::ptrdiff_t>(kEth + 20 + cuts[p]),
                  whole.base.begin() + static_cast<std::ptrdiff_t>(kEth + 20 + cuts[p + 1]));
    const std::size_t total = 20 + cuts[p + 1] - cuts[p];
    f.base[kEth + 2] = static_cast<std::uint8_t>(total >> 8);
    f.base[kEth + 3] = static_cast<std::uint8_t>(total);
    const std::uint16_t flags = static_cast<std::uint16_t>((be16(whole.base, kEth + 6) & 0x4000) |
                                                           (p + 2 < cuts.size() ? 0x2000 : 0) | (cuts[p] / 8));
    f.base[kEth + 6] = static_cast<std::uint8_t>(flags >> 8);
    f.base[kEth + 7] = static_cast<std::uint8_t>(flags);
    refresh_checksums(f.base, true, false);
    f.fix_l4_checksum = false;  // the first fragment carries the whole datagram's checksum
    f.gap_ms = f.base_gap_ms = p == 0 ? whole.gap_ms : 1;
    frags.push_back(std::move(f));
  }
  std::string what = "fragmented #" + std::to_string(at);
  if (chance(0.3)) {
    std::reverse(frags.begin(), frags.end());
    std::swap(frags.front().gap_ms, frags.back().gap_ms);
    frags.front().base_gap_ms = frags.front().gap_ms;
    frags.back().base_gap_ms = frags.back().gap_ms;
    what += " reversed";
  }
  m.frames.erase(m.frames.begin() + static_cast<std::ptrdiff_t>(at));
  m.frames.insert(m.frames.begin() + static_cast<std::ptrdiff_t>(at), frags.begin(), frags.end());
  m.sequence_changes.push_back(what);
}

void Mutator::mutate_frame(MutantFrame& f) {
  const std::size_t ops = 1 + pick(3);
  for (std::size_t op = 0; op < ops; ++op) {
    const Frame cur = f.materialise();
    auto set = [&](std::size_t at, std::uint8_t v) {
      if (at < cur.size()) f.edits.push_back({at, v});
    };
    auto set16 = [&](std::size_t at, std::uint16_t v) {
      set(at, static_cast<std::uint8_t>(v >> 8));
      set(at + 1, static_cast<std::uint8_t>(v));
    };
    auto set_bytes = [&](std::size_t at, const std::uint8_t* v, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i)
        if (cur.size() > at + i && cur[at + i] != v[i]) set(at + i, v[i]);
    };
    const std::size_t roll = pick(100);
    if (roll < 4) {  // Ethernet destination or source
      set_bytes(chance(0.7) ? 0 : 6, kMacs[pick(std::size(kMacs))], 6);
      continue;
    }
    if (roll < 6) {
      const std::uint16_t types[] = {0x0800, 0x0806, 0x86dd, 0x8100, 0x8035, 0x0842};
      set16(12, one_of(types));
      continue;
    }
    if (roll < 10 && f.reshape == Reshape::none) {
      if (chance(0.6) && cur.size() > kEth + 1) {
        f.reshape = Reshape::truncate;
        f.length = kEth + pick(cur.size() - kEth);
      } else {
        f.reshape = Reshape::append;
        f.extra.assign(1 + pick(24), static_cast<std::uint8_t>(chance(0.5) ? 0 : 0xaa));
      }
      continue;
    }
    if (roll < 13 && cur.size() > kEth) {  // anywhere at all
      set(kEth + pick(cur.size() - kEth), byte());
      continue;
    }
    if (roll < 15) {
      (chance(0.5) ? f.fix_ip_checksum : f.fix_l4_checksum) = false;
      continue;
    }
    if (cur.size() < kEth + 20) continue;
    const std::uint16_t type = be16(cur, 12);
    if (type == 0x0806 && cur.size() >= kEth + 28) {
      switch (pick(9)) {
        case 0: { const std::uint16_t v[] = {1, 6, 0, 2, 0xffff}; set16(kEth, one_of(v)); break; }
        case 1: { const std::uint16_t v[] = {0x0800, 0x86dd, 0, 0x0806}; set16(kEth + 2, one_of(v)); break; }
        case 2: { const std::uint8_t v[] = {6, 0, 8, 5, 255}; set(kEth + 4, one_of(v)); break; }
        case 3: { const std::uint8_t v[] = {4, 0, 6, 16}; set(kEth + 5, one_of(v)); break; }
        case 4: { const std::uint16_t v[] = {1, 2, 3, 4, 0, 8, 9, 0x0101}; set16(kEth + 6, one_of(v)); break; }
        case 5: set_bytes(kEth + 8, kMacs[pick(std::size(kMacs))], 6); break;
        case 6: set_bytes(kEth + 14, kAddrs[pick(std::size(kAddrs))], 4); break;
        case 7: set_bytes(kEth + 18, kMacs[pick(std::size(kMacs))], 6); break;
        default: set_bytes(kEth + 24, kAddrs[pick(std::size(kAddrs))], 4); break;
      }
      continue;
    }
    if (type != 0x0800) continue;
    const std::size_t ihl = static_cast<std::size_t>(cur[kEth] & 0x0f) * 4;
    const std::size_t total = be16(cur, kEth + 2);
    const std::size_t area = pick(100);
    if (area < 45) {  // the fixed header
      switch (pick(10)) {
        case 0: {
          const std::uint8_t versions[] = {4, 4, 4, 6, 5, 0, 15};
          const std::uint8_t ihls[] = {5, 6, 15, 4, 0, 1};
          set(kEth, static_cast<std::uint8_t>((one_of(versions) << 4) | (chance(0.5) ? (cur[kEth] & 0x0f) : one_of(ihls))));
          break;
        }
        case 1: { const std::uint8_t v[] = {0x01, 0x02, 0x03, 0x04, 0x10, 0x20, 0xb8, 0xc0, 0xe0, 0xff}; set(kEth + 1, chance(0.7) ? one_of(v) : byte()); break; }
        case 2: {
          const int deltas[] = {-8, -4, -2, -1, 1, 2, 4, 8, 20, 100};
          const std::uint16_t fixed[] = {0, 20, 21, 28, 576, 65535};
          if (chance(0.6)) set16(kEth + 2, static_cast<std::uint16_t>(static_cast<int>(total) + one_of(deltas)));
          else set16(kEth + 2, one_of(fixed));
          break;
        }
        case 3: set16(kEth + 4, static_cast<std::uint16_t>(pick(65536))); break;
        case 4:
        case 5: {
          const std::uint16_t flags[] = {0x0000, 0x4000, 0x2000, 0x8000, 0x6000, 0xc000, 0xa000};
          const std::uint16_t offsets[] = {0, 0, 1, 2, 8, 185, 0x1fff};
          const std::uint16_t keep = static_cast<std::uint16_t>(be16(cur, kEth + 6) & 0x1fff);
          const std::uint16_t off = chance(0.5) ? keep : (chance(0.7) ? one_of(offsets) : static_cast<std::uint16_t>(pick(0x2000)));
          set16(kEth + 6, static_cast<std::uint16_t>((chance(0.7) ? one_of(flags) : (be16(cur, kEth + 6) & 0xe000)) | off));
          break;
        }
        case 6: { const std::uint8_t v[] = {0, 1, 2, 128, 255}; set(kEth + 8, one_of(v)); break; }
        case 7: { const std::uint8_t v[] = {0, 1, 2, 4, 6, 17, 41, 47, 50, 58, 89, 103, 132, 136, 253, 255}; set(kEth + 9, one_of(v)); break; }
        case 8: set_bytes(kEth + 12, kAddrs[pick(std::size(kAddrs))], 4); break;
        default: set_bytes(kEth + 16, kAddrs[pick(std::size(kAddrs))], 4); break;
      }
      continue;
    }
    if (area < 70) {  // options: new ones, or a byte of those present
      if (ihl > 20 && kEth + ihl <= cur.size() && chance(0.6)) {
        const std::uint8_t v[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 39, 40, 41, 68, 0x11, 0x31, 0xf0, 130, 131, 136, 137, 148, 0x9e, 0xff};
        set(kEth + 20 + pick(ihl - 20), chance(0.8) ? one_of(v) : byte());
      } else if (f.reshape == Reshape::none && ihl == 20) {
        Frame o;
        const std::size_t parts = 1 + pick(2);
        for (std::size_t p = 0; p < parts; ++p) {
          switch (pick(9)) {
            case 0: {  // record route
              const std::uint8_t lens[] = {3, 7, 11, 39, 40, 2};
              const std::uint8_t ptrs[] = {4, 8, 12, 40, 3, 5, 255};
              const std::uint8_t len = one_of(lens);
              o.insert(o.end(), {7, len, one_of(ptrs)});
              for (std::size_t i = 3; i < len; ++i) o.push_back(static_cast<std::uint8_t>(chance(0.8) ? 0 : 10));
              break;
            }
            case 1: {  // timestamp
              const std::uint8_t lens[] = {4, 8, 12, 20, 36, 40};
              const std::uint8_t ptrs[] = {5, 9, 13, 21, 37, 41, 1, 4};
              const std::uint8_t flags[] = {0, 1, 3, 2, 15};
              const std::uint8_t len = one_of(lens);
              o.insert(o.end(), {68, len, one_of(ptrs), static_cast<std::uint8_t>((chance(0.2) ? 0xf0 : 0) | one_of(flags))});
              for (std::size_t i = 4; i < len; ++i) o.push_back(chance(0.5) ? std::uint8_t{0} : kAddrs[i % 2][i % 4]);
              break;
            }
            case 2: {  // source routes
              const std::uint8_t lens[] = {3, 7, 11};
              const std::uint8_t ptrs[] = {4, 8, 12, 3};
              const std::uint8_t len = one_of(lens);
              o.insert(o.end(), {static_cast<std::uint8_t>(chance(0.5) ? 131 : 137), len, one_of(ptrs)});
              for (std::size_t i = 3; i < len; ++i) o.push_back(kAddrs[pick(3)][(i - 3) % 4]);
              break;
            }
            case 3: o.insert(o.end(), {148, 4, 0, static_cast<std::uint8_t>(pick(2))}); break;  // router alert
            case 4: o.insert(o.end(), {130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); break;           // security (RFC 1108)
            case 5: o.insert(o.end(), {136, 4, 0x12, 0x34}); break;                           // stream id
            case 6: o.insert(o.end(), {1, 1, 1, 1}); break;
            case 7: o.insert(o.end(), {0, byte(), byte(), byte()}); break;  // EOL then garbage
            default: {
              const std::uint8_t len = static_cast<std::uint8_t>(2 + pick(7));
              o.push_back(chance(0.5) ? std::uint8_t{0x9e} : byte());
              o.push_back(chance(0.8) ? len : byte());
              for (std::size_t i = 2; i < len; ++i) o.push_back(byte());
              break;
            }
          }
        }
        if (o.size() > 40) o.resize(40);
        while (o.size() % 4 != 0) o.push_back(0);
        f.reshape = Reshape::insert_options;
        f.extra = std::move(o);
      }
      continue;
    }
    // The transport header or data (first fragments only).
    if ((be16(cur, kEth + 6) & 0x1fff) != 0 || kEth + ihl + 8 > cur.size()) continue;
    const std::size_t l4 = kEth + ihl;
    switch (cur[kEth + 9]) {
      case 1: {
        const std::uint8_t types[] = {0, 3, 4, 5, 8, 11, 12, 13, 14, 15, 16, 17, 18, 42, 43, 255};
        const std::uint8_t codes[] = {0, 1, 2, 3, 4, 9, 13, 15, 255};
        switch (pick(4)) {
          case 0: set(l4, one_of(types)); break;
          case 1: set(l4 + 1, one_of(codes)); break;
          case 2: set(l4 + 4 + pick(4), byte()); break;
          default:
            if (cur.size() > l4 + 8) set(l4 + 8 + pick(cur.size() - l4 - 8), byte());
            break;
        }
        break;
      }
      case 17: {
        const std::uint16_t ports[] = {0, 7, 9, 53, 123, 33434, 65535};
        switch (pick(4)) {
          case 0: set16(l4 + 2, one_of(ports)); break;
          case 1: set16(l4, one_of(ports)); break;
          case 2: {
            const std::uint16_t udp_len = be16(cur, l4 + 4);
            const std::uint16_t v[] = {0, 1, 7, 8, 9, static_cast<std::uint16_t>(udp_len - 1), static_cast<std::uint16_t>(udp_len + 1), 65535};
            set16(l4 + 4, one_of(v));
            break;
          }
          default: { const std::uint16_t v[] = {0, 0xffff}; set16(l4 + 6, one_of(v)); break; }
        }
        break;
      }
      case 6: {
        if (cur.size() < l4 + 20) break;
        switch (pick(5)) {
          case 0: { const std::uint8_t v[] = {0x02, 0x12, 0x04, 0x14, 0x01, 0x11, 0x29, 0x3f, 0xc2, 0x00, 0x03, 0x06}; set(l4 + 13, chance(0.7) ? one_of(v) : byte()); break; }
          case 1: { const std::uint8_t v[] = {0x00, 0x40, 0x50, 0x60, 0xf0, 0x51}; set(l4 + 12, one_of(v)); break; }
          case 2: { const std::uint16_t v[] = {0, 22, 80, 443, 65535}; set16(l4 + 2 - 2 * pick(2), one_of(v)); break; }
          case 3: set(l4 + 4 + pick(8), byte()); break;
          default: set(l4 + 14 + pick(6), byte()); break;
        }
        break;
      }
      default:
        set(l4 + pick(std::min<std::size_t>(8, cur.size() - l4)), byte());
        break;
    }
  }
}

}  // namespace tapstack::differential::fuzz
