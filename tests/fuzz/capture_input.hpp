#pragma once
// PcapReader behind an interface without std::expected, for the clang-built fuzz code.
//
// With clang 14 and libstdc++ 12, std::expected<T, E> is usable only when T and E are trivially
// destructible (README.md, "clang 14 and <expected>"): clang cannot even call a function that
// returns one with a std::string error, which is what PcapReader::open() and next() do. So the
// reader and this wrapper are compiled by g++ (CMakeLists.txt), without sanitizers, like libpcap
// under them, and the clang code (pcap_fuzz, make_fuzz_seeds) sees only this class.
#include TAPSTACK_PCAP_HEADER  // CapturedFrame, CaptureLinkType; TAPSTACK_PCAP_FILE in CMakeLists.txt

#include <memory>
#include <optional>
#include <string>

namespace tapstack::fuzz {

class CaptureInput {
 public:
  // nullptr with error set when PcapReader::open() fails.
  static std::unique_ptr<CaptureInput> open(const std::string& path, std::string& error);
  ~CaptureInput();
  CaptureInput(const CaptureInput&) = delete;
  CaptureInput& operator=(const CaptureInput&) = delete;

  enum class Next { frame, end, error };
  // As PcapReader::next(): a frame (valid until the next call), the end, or an error message.
  Next next(CapturedFrame& frame, std::string& error);
  std::optional<CaptureLinkType> link_type() const;
  std::string link_type_name() const;

 private:
  struct Impl;
  explicit CaptureInput(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tapstack::fuzz
