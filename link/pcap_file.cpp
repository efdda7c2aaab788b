#include "link/pcap_file.hpp"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <memory>

namespace tapstack {
namespace {

constexpr int kSnapLen = 262144;  // libpcap's MAXIMUM_SNAPLEN: never cut one of our frames

// The latest time a frame is given, 2200-01-01: pcapng's 64-bit stamps reach far past 2262,
// where nanoseconds since 1970 overflow an Instant, and the stack adds its timers (an hour at
// most) to the time of each frame, so the latest time leaves them decades of room. A stamp
// outside 1970..2200 is saturated rather than its frame dropped: whoever replays a capture wants
// every frame in it answered, and replay's clock already never runs backwards, so a stamp
// pinned at either end changes only when the frame is taken to have come (and shows in the
// output's stamps).
constexpr std::int64_t kLatestSecond = 7'258'118'400;

Instant to_instant(const timeval& tv) {
  if (tv.tv_sec < 0) return instant_from_ns(0);
  if (tv.tv_sec >= kLatestSecond) return instant_from_ns(kLatestSecond * 1'000'000'000);
  // Opened with nanosecond precision, libpcap puts nanoseconds in tv_usec (0..999999999).
  return instant_from_ns(std::int64_t{tv.tv_sec} * 1'000'000'000 + tv.tv_usec);
}

// Records are gathered here and handed to stdio in large pieces: libpcap's own record writer makes
// two fwrite calls per record, which cost a replayed echo more than the stack's whole answer. The bytes in
// the file are the same: libpcap's record header (struct pcap_sf_pkthdr in its sf-pcap.c, 32-bit
// seconds and microseconds, caplen, len, in host order), then the frame.
constexpr std::size_t kRecordBuffer = 64 * 1024;

struct RecordHeader {
  std::uint32_t ts_sec;
  std::uint32_t ts_usec;
  std::uint32_t caplen;
  std::uint32_t len;
};
static_assert(sizeof(RecordHeader) == 16);

}  // namespace

struct PcapWriter::Output {
  pcap* handle;
  pcap_dumper* dumper;
  std::string path;
  // Sized once: write() never allocates. Not a vector: it would zero the bytes first, and its
  // insert() costs more than the memcpy it wraps.
  std::unique_ptr<std::byte[]> pending = std::make_unique_for_overwrite<std::byte[]>(kRecordBuffer);
  std::size_t used = 0;

  Output(pcap* h, pcap_dumper* d, std::string p) : handle(h), dumper(d), path(std::move(p)) {}
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() {
    drain();
    pcap_dump_close(dumper);
    pcap_close(handle);
  }
  // Hands the gathered records to stdio (errors surface through ferror at close()).
  void drain() {
    if (used == 0) return;
    std::fwrite(pending.get(), 1, used, pcap_dump_file(dumper));
    used = 0;
  }
};

void PcapReader::Close::operator()(pcap* p) const { pcap_close(p); }

PcapWriter::PcapWriter(std::unique_ptr<Output> out) : out_(std::move(out)) {}
PcapWriter::PcapWriter(PcapWriter&&) noexcept = default;
PcapWriter& PcapWriter::operator=(PcapWriter&&) noexcept = default;
PcapWriter::~PcapWriter() = default;

// Classic pcap records read straight from libpcap's stream in large chunks, rather than by
// pcap_next_ex(), whose two fread() calls per record cost more than the stack's answer to an
// echo. Only the formats whose records are exactly libpcap's: the two standard magic numbers
// (microsecond and nanosecond stamps), either byte order, a link type we speak, a regular file.
// Each frame comes out as pcap_next_ex() would give it (libpcap's sf_next_packet()): the same
// checks, the same error messages, stamps scaled to nanoseconds in the same timeval.
struct PcapReader::Records {
  std::FILE* file;
  bool swapped;
  bool nanoseconds;
  std::uint32_t snapshot;
  std::unique_ptr<std::byte[]> buffer;  // kBufferLen bytes; [begin, end) not yet handed out
  std::size_t begin = 0, end = 0;

  static Records* open(pcap* p, const std::string& path) {
    const int dlt = pcap_datalink(p);
    if (dlt != DLT_EN10MB && dlt != DLT_RAW && dlt != DLT_IPV4) return nullptr;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;  // a pipe must be read once
    std::uint32_t magic = 0;
    std::FILE* peek = std::fopen(path.c_str(), "rb");
    if (peek == nullptr) return nullptr;
    const bool got = std::fread(&magic, sizeof magic, 1, peek) == 1;
    std::fclose(peek);
    if (!got) return nullptr;
    bool swapped = false, nanoseconds = false;
    switch (magic) {
      case 0xa1b2c3d4: break;
      case 0xa1b23c4d: nanoseconds = true; break;
      case 0xd4c3b2a1: swapped = true; break;
      case 0x4d3cb2a1: swapped = nanoseconds = true; break;
      default: return nullptr;  // pcapng, or a modified pcap with longer record headers
    }
    return new Records{pcap_file(p), swapped, nanoseconds, static_cast<std::uint32_t>(pcap_snapshot(p)),
                       std::make_unique_for_overwrite<std::byte[]>(kBufferLen)};
  }

  // Makes at least want bytes available at begin, if the file has them; returns how many are.
  std::size_t fill(std::size_t want) {
    if (end - begin >= want) return end - begin;
    std::memmove(buffer.get(), buffer.get() + begin, end - begin);
    end -= begin;
    begin = 0;
    while (end < want) {
      const std::size_t n = std::fread(buffer.get() + end, 1, kBufferLen - end, file);
      if (n == 0) break;
      end += n;
    }
    return end;
  }

  std::uint32_t field(std::size_t at) const {
    std::uint32_t v;
    std::memcpy(&v, buffer.get() + begin + at, 4);
    return swapped ? __builtin_bswap32(v) : v;
  }

  static constexpr std::size_t kHeader = 16;
  static constexpr std::size_t kMaxRecord = kHeader + kSnapLen;
  static constexpr std::size_t kBufferLen = kMaxRecord + 256 * 1024;
};

std::expected<PcapReader, std::string> PcapReader::open(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    // libpcap says "truncated dump file; tried to read 4 file header bytes, only got 0" for an
    // empty file: name that plainly.
    if (std::strstr(errbuf, "only got 0") != nullptr) return std::unexpected(path + ": empty file, not a capture");
    // libpcap names the file itself in some messages (fopen failures) and not in others.
    if (std::strstr(errbuf, path.c_str()) != nullptr) return std::unexpected(std::string(errbuf));
    return std::unexpected(path + ": " + errbuf);
  }
  return PcapReader(p, Records::open(p, path));
}

std::expected<std::optional<CapturedFrame>, std::string> PcapReader::next() {
  if (records_) return next_record();
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(pcap_.get(), &hdr, &data);
  if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
  if (rc != 1) return std::unexpected(std::string(pcap_geterr(pcap_.get())));
  return CapturedFrame{Bytes(reinterpret_cast<const std::byte*>(data), hdr->caplen), to_instant(hdr->ts),
                       hdr->len};
}

void PcapReader::FreeRecords::operator()(Records* r) const { delete r; }

std::expected<std::optional<CapturedFrame>, std::string> PcapReader::next_record() {
  Records& r = *records_;
  const std::size_t have = r.fill(Records::kHeader);
  if (have == 0) {
    if (std::ferror(r.file) != 0) return std::unexpected(std::string("error reading dump file: ") + std::strerror(errno));
    return std::nullopt;  // end of file
  }
  if (have < Records::kHeader)
    return std::unexpected("truncated dump file; tried to read " + std::to_string(Records::kHeader) +
                           " header bytes, only got " + std::to_string(have));
  timeval ts{};
  // As libpcap: the on-disk fields are signed 32-bit; microseconds scale up to nanoseconds.
  ts.tv_sec = static_cast<std::int32_t>(r.field(0));
  ts.tv_usec = static_cast<std::int32_t>(r.field(4));
  if (!r.nanoseconds) ts.tv_usec *= 1000;
  std::uint32_t caplen = r.field(8);
  const std::uint32_t len = r.field(12);
  if (caplen > kSnapLen) {
    if (caplen > r.snapshot)
      return std::unexpected("invalid packet capture length " + std::to_string(caplen) + ", bigger than snaplen of " +
                             std::to_string(r.snapshot));
    return std::unexpected("invalid packet capture length " + std::to_string(caplen) + ", bigger than maximum of " +
                           std::to_string(kSnapLen));
  }
  const std::size_t avail = r.fill(Records::kHeader + caplen) - Records::kHeader;
  if (avail < caplen)
    return std::unexpected("truncated dump file; tried to read " + std::to_string(caplen) +
                           " captured bytes, only got " + std::to_string(avail));
  const std::byte* data = r.buffer.get() + r.begin + Records::kHeader;
  r.begin += Records::kHeader + caplen;
  // A record longer than the file's snapshot length is cut to it, the rest skipped, as libpcap does.
  caplen = std::min(caplen, r.snapshot);
  return CapturedFrame{Bytes(data, caplen), to_instant(ts), len};
}

std::optional<CaptureLinkType> PcapReader::link_type() const {
  switch (pcap_datalink(pcap_.get())) {
    case DLT_EN10MB:
      return CaptureLinkType::ethernet;
    case DLT_RAW:
    case DLT_IPV4:
      return CaptureLinkType::raw_ip;
    default:
      return std::nullopt;
  }
}

std::string PcapReader::link_type_name() const {
  const int dlt = pcap_datalink(pcap_.get());
  const char* name = pcap_datalink_val_to_name(dlt);
  return name != nullptr ? std::string(name) : "DLT " + std::to_string(dlt);
}

std::expected<PcapWriter, std::string> PcapWriter::create(const std::string& path, CaptureLinkType type) {
  return create_foreign(path, type == CaptureLinkType::ethernet ? DLT_EN10MB : DLT_RAW, kSnapLen);
}

std::expected<PcapWriter, std::string> PcapWriter::create_foreign(const std::string& path, int dlt, int snaplen) {
  pcap* p = pcap_open_dead_with_tstamp_precision(dlt, snaplen, PCAP_TSTAMP_PRECISION_MICRO);
  if (p == nullptr) return std::unexpected(std::string("libpcap could not allocate a writer"));
  pcap_dumper* d = pcap_dump_open(p, path.c_str());
  if (d == nullptr) {
    std::string reason = pcap_geterr(p);
    if (reason.find(path) == std::string::npos) reason = path + ": " + reason;
    std::string err = "cannot write " + reason;
    pcap_close(p);
    return std::unexpected(err);
  }
  return PcapWriter(std::make_unique<Output>(p, d, path));
}

void PcapWriter::write(Bytes frame, Instant timestamp) {
  if (!out_) return;
  const auto ns = to_ns(timestamp);
  const RecordHeader header{
      .ts_sec = static_cast<std::uint32_t>(ns / 1'000'000'000),
      .ts_usec = static_cast<std::uint32_t>((ns % 1'000'000'000) / 1000),
      .caplen = static_cast<std::uint32_t>(frame.size()),
      .len = static_cast<std::uint32_t>(frame.size()),
  };
  if (out_->used + sizeof header + frame.size() > kRecordBuffer) {
    out_->drain();
    if (sizeof header + frame.size() > kRecordBuffer) {  // a frame larger than the buffer goes straight on
      std::FILE* f = pcap_dump_file(out_->dumper);
      std::fwrite(&header, 1, sizeof header, f);
      std::fwrite(frame.data(), 1, frame.size(), f);
      return;
    }
  }
  std::byte* at = out_->pending.get() + out_->used;
  std::memcpy(at, &header, sizeof header);
  std::memcpy(at + sizeof header, frame.data(), frame.size());
  out_->used += sizeof header + frame.size();
}

void PcapWriter::flush() {
  if (!out_) return;
  out_->drain();
  pcap_dump_flush(out_->dumper);
}

std::expected<void, std::string> PcapWriter::close() {
  if (!out_) return {};
  out_->drain();
  FILE* f = pcap_dump_file(out_->dumper);
  const bool failed = pcap_dump_flush(out_->dumper) != 0 || std::ferror(f) != 0;
  const int err = errno;
  const std::string path = out_->path;
  out_.reset();
  if (failed) return std::unexpected(path + ": write failed: " + std::strerror(err));
  return {};
}

}  // namespace tapstack
