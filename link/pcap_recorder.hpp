#pragma once
// `--pcap FILE`: a decorator that records every frame in and out, with a wall-clock timestamp,
// then passes it on unchanged. Records reach the file within kFlushInterval of being written
// (the recorder asks for a timer while any wait in stdio's buffer), so tshark can read a live
// capture; close() completes it.
#include "link/link_decorator.hpp"
#include "link/pcap_file.hpp"

#include <expected>
#include <optional>
#include <string>

namespace tapstack {

class PcapRecorder final : public LinkDecorator {
 public:
  static constexpr Duration kFlushInterval = 1s;

  // wall_offset turns the loop's Instants into Unix time for the records (zero when they
  // already are, as in replay).
  PcapRecorder(Link& inner, PcapWriter writer, Duration wall_offset)
      : LinkDecorator(inner), writer_(std::move(writer)), wall_offset_(wall_offset) {}

  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override;
  std::optional<Instant> next_deadline() const override;
  void on_timer(Instant now) override;

  // Flushes and closes the file, reporting any write error stdio buffered; frames still pass
  // through afterwards, unrecorded.
  std::expected<void, std::string> close() { return writer_.close(); }

 private:
  void record(Bytes frame, Instant at);

  PcapWriter writer_;
  Duration wall_offset_;
  std::optional<Instant> flush_due_;  // set while records wait to be flushed
};

}  // namespace tapstack
