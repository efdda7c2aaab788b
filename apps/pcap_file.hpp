#pragma once
// Capture files through libpcap: pcap and pcapng in, classic pcap out. Errors are one-line
// strings ready to show a person; nothing here throws.
#include "stack/wire/bytes.hpp"
#include "stack/time.hpp"

#include <expected>
#include <memory>
#include <optional>
#include <string>

struct pcap;
struct pcap_dumper;

namespace tapstack {

// The two link types tapstack speaks: Ethernet frames (TAP) and bare IPv4 datagrams (TUN).
enum class CaptureLinkType { ethernet, raw_ip };

struct CapturedFrame {
  Bytes data;            // valid until the next call to next()
  Instant timestamp;
  std::size_t original_len;  // > data.size() when the capture cut the frame short (snaplen)
};

class PcapReader {
 public:
  static std::expected<PcapReader, std::string> open(const std::string& path);
  // The next frame, nullopt at the clean end of the file, or an error (a truncated record).
  std::expected<std::optional<CapturedFrame>, std::string> next();
  std::optional<CaptureLinkType> link_type() const;
  std::string link_type_name() const;  // for error messages about unsupported types

 private:
  struct Close {
    void operator()(pcap* p) const;
  };
  explicit PcapReader(pcap* p) : pcap_(p) {}
  std::unique_ptr<pcap, Close> pcap_;
};

class PcapWriter {
 public:
  static std::expected<PcapWriter, std::string> create(const std::string& path, CaptureLinkType type);
  void write(Bytes frame, Instant timestamp);
  // Flushes and closes, reporting any write error that stdio buffered (a full disk, say).
  std::expected<void, std::string> close();
  // Pushes buffered records to the file so a reader sees them now (the live loop does this).
  void flush();

 private:
  struct Close {
    void operator()(pcap* p) const;
  };
  struct CloseDumper {
    void operator()(pcap_dumper* d) const;
  };
  PcapWriter(pcap* p, pcap_dumper* d, std::string path) : pcap_(p), dumper_(d), path_(std::move(path)) {}
  std::unique_ptr<pcap, Close> pcap_;
  std::unique_ptr<pcap_dumper, CloseDumper> dumper_;
  std::string path_;
};

}  // namespace tapstack
