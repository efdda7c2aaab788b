// libFuzzer target: the capture input path, whole files. A pcap or pcapng file goes through
// PcapReader (libpcap) and its frames into a Stack the way `tapstack replay` feeds them:
// capture time as the clock, never running backwards, due timers fired first.
//
// Input: a whole capture file. It is handed to PcapReader::open() by path, as replay does,
// through a memfd (/proc/self/fd/N), so nothing touches the disk.
// Checks: no crash, leak or UB in the stack whatever the file, and none that libpcap or the
// reader makes visible to ASan; every error is a non-empty message; a frame's bytes are
// readable to their end; an unsupported link type still has a name; the stack's frames_in
// counter is the number of frames read.
//
// Not instrumented: libpcap (the system's shared library) and PcapReader with its wrapper,
// which g++ builds (capture_input.hpp says why). The fuzzer's coverage feedback comes from the
// stack the frames reach, and ASan sees memory errors in the reader or libpcap only where they
// reach intercepted calls (malloc, memcpy) or our code. Fuzzing libpcap's parsers is libpcap's
// own business (it is in OSS-Fuzz); what this target guards is what we do with its output.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "stack/stack.hpp"

// PcapReader, through a g++-built wrapper (capture_input.hpp says why). Where the reader lives
// is one line of CMakeLists.txt: TAPSTACK_PCAP_FILE (apps/pcap_file, then link/pcap_file).
#include "capture_input.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cinttypes>
#include <string>

namespace {

using namespace tapstack;

constexpr const char* kName = "pcap_fuzz";
constexpr std::size_t kMaxFrames = 2048;

class CountingSink final : public FrameSink {
 public:
  void emit(Bytes frame, Instant) override {
    volatile std::byte sink{};
    if (!frame.empty()) sink = frame[frame.size() - 1];  // the whole frame is readable
    (void)sink;
  }
};

// A file descriptor for an in-memory file, closed on return.
class MemFile {
 public:
  MemFile(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("pcap_fuzz", 0)) {
    if (fd_ < 0) return;
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = write(fd_, data + done, size - done);
      if (n <= 0) {
        close(fd_);
        fd_ = -1;
        return;
      }
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemFile file(data, size);
  if (!file.ok()) fuzz::failf(kName, {}, "memfd_create/write failed: cannot run the input");
  std::string error;
  const auto reader = fuzz::CaptureInput::open(file.path(), error);
  if (!reader) {
    if (error.empty()) fuzz::failf(kName, {}, "PcapReader::open failed with an empty message");
    return 0;
  }
  const auto type = reader->link_type();
  if (!type) {
    if (reader->link_type_name().empty()) fuzz::failf(kName, {}, "an unsupported link type without a name");
    return 0;
  }

  // The fuzz configurations' small buffers (fuzz_input.hpp): TAP for Ethernet, TUN for raw IP.
  const StackConfig config = fuzz::config_for(*type == CaptureLinkType::raw_ip ? fuzz::flag::cfg_tun : 0);
  CountingSink sink;
  Stack stack(config, sink);
  Instant clock{};
  std::uint64_t frames = 0;
  for (bool first = true; frames < kMaxFrames; first = false) {
    CapturedFrame f{};
    const auto got = reader->next(f, error);
    if (got == fuzz::CaptureInput::Next::error) {
      if (error.empty()) fuzz::failf(kName, {}, "PcapReader::next failed with an empty message");
      break;
    }
    if (got == fuzz::CaptureInput::Next::end) break;
    if (!f.data.empty()) {
      volatile std::byte last = f.data[f.data.size() - 1];  // readable to its end
      (void)last;
    }
    // As replay: the clock never runs backwards; timers due before the frame fire at their time.
    clock = first ? f.timestamp : std::max(clock, f.timestamp);
    for (int guard = 0; guard < 1000; ++guard) {
      const auto due = stack.next_deadline();
      if (!due || *due > clock) break;
      stack.on_timer(*due);
    }
    stack.on_frame(f.data, clock);
    ++frames;
  }
  if (stack.counters()[Counter::frames_in] != frames)
    fuzz::failf(kName, {}, "frames_in %" PRIu64 " but %" PRIu64 " frames fed", stack.counters()[Counter::frames_in], frames);
  return 0;
}
