#pragma once
// Capture files through libpcap: pcap and pcapng in, classic pcap out. The program's only
// writer: `run --pcap`, `dump --pcap`, replay's output and the test tools all record through
// PcapWriter. Errors are one-line strings ready to show a person; nothing here throws.
#include "stack/wire/bytes.hpp"
#include "stack/time.hpp"

#include <expected>
#include <memory>
#include <optional>
#include <string>

struct pcap;

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
  // A classic pcap file of our link types, read in bulk (pcap_file.cpp); absent for pcapng and
  // anything else, which pcap_next_ex() reads.
  struct Records;
  struct FreeRecords {
    void operator()(Records* r) const;
  };
  std::expected<std::optional<CapturedFrame>, std::string> next_record();
  explicit PcapReader(pcap* p, Records* records) : pcap_(p), records_(records) {}
  std::unique_ptr<pcap, Close> pcap_;
  std::unique_ptr<Records, FreeRecords> records_;
};

class PcapWriter {
 public:
  static std::expected<PcapWriter, std::string> create(const std::string& path, CaptureLinkType type);
  // A capture of a link type tapstack does not speak (a DLT_* number of pcap/dlt.h) and a given
  // snapshot length: for fixtures that test how readers refuse them.
  static std::expected<PcapWriter, std::string> create_foreign(const std::string& path, int dlt, int snaplen);
  void write(Bytes frame, Instant timestamp);
  // Flushes and closes, reporting any write error that stdio buffered (a full disk, say). After
  // it, write() and flush() do nothing.
  std::expected<void, std::string> close();
  // Pushes buffered records to the file so a reader sees them now (the live loop does this).
  void flush();

 PcapWriter(PcapWriter&&) noexcept;
  PcapWriter& operator=(PcapWriter&&) noexcept;
  ~PcapWriter();

 private:
  struct Output;  // libpcap's handles, in pcap_file.cpp: this is the one file that writes records
  explicit PcapWriter(std::unique_ptr<Output> out);
  std::unique_ptr<Output> out_;
};

}  // namespace tapstack
