#include "link/pcap_file.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

}  // namespace

void PcapReader::Close::operator()(pcap* p) const { pcap_close(p); }

struct PcapWriter::Output {
  pcap* handle;
  pcap_dumper* dumper;
  std::string path;

  Output(pcap* h, pcap_dumper* d, std::string p) : handle(h), dumper(d), path(std::move(p)) {}
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() {
    pcap_dump_close(dumper);
    pcap_close(handle);
  }
};

PcapWriter::PcapWriter(std::unique_ptr<Output> out) : out_(std::move(out)) {}
PcapWriter::PcapWriter(PcapWriter&&) noexcept = default;
PcapWriter& PcapWriter::operator=(PcapWriter&&) noexcept = default;
PcapWriter::~PcapWriter() = default;

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
  return PcapReader(p);
}

std::expected<std::optional<CapturedFrame>, std::string> PcapReader::next() {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(pcap_.get(), &hdr, &data);
  if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
  if (rc != 1) return std::unexpected(std::string(pcap_geterr(pcap_.get())));
  return CapturedFrame{Bytes(reinterpret_cast<const std::byte*>(data), hdr->caplen), to_instant(hdr->ts),
                       hdr->len};
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
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  hdr.ts.tv_usec = static_cast<suseconds_t>((ns % 1'000'000'000) / 1000);
  hdr.caplen = static_cast<bpf_u_int32>(frame.size());
  hdr.len = hdr.caplen;
  pcap_dump(reinterpret_cast<u_char*>(out_->dumper), &hdr, reinterpret_cast<const u_char*>(frame.data()));
}

void PcapWriter::flush() {
  if (out_) pcap_dump_flush(out_->dumper);
}

std::expected<void, std::string> PcapWriter::close() {
  if (!out_) return {};
  FILE* f = pcap_dump_file(out_->dumper);
  const bool failed = pcap_dump_flush(out_->dumper) != 0 || std::ferror(f) != 0;
  const int err = errno;
  const std::string path = out_->path;
  out_.reset();
  if (failed) return std::unexpected(path + ": write failed: " + std::strerror(err));
  return {};
}

}  // namespace tapstack
