#pragma once
// `tapstack replay` as a link: receive() yields the frames of a capture, each stamped with its
// capture time; emit() writes what the stack sends to an output capture, stamped with the
// stack's clock (which replay drives with those capture times). The files are opened, and their
// link types checked, by the caller.
#include "link/link.hpp"
#include "link/pcap_file.hpp"

#include <cstddef>
#include <expected>
#include <optional>
#include <string>

namespace tapstack {

class ReplayLink final : public Link {
 public:
  ReplayLink(PcapReader input, PcapWriter output) : input_(std::move(input)), output_(std::move(output)) {}

  // The capture's next frame; nullopt at its end, or from a record that cannot be read (then
  // error() says why, and every later call returns nullopt too).
  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override { output_.write(frame, now); }

  const std::optional<std::string>& error() const { return error_; }
  // Frames the capture had cut short (its snaplen): the stack saw less than was sent.
  std::size_t cut_short() const { return cut_short_; }
  // Flushes and closes the output, reporting any write error stdio buffered.
  std::expected<void, std::string> close() { return output_.close(); }

 private:
  PcapReader input_;
  PcapWriter output_;
  std::optional<std::string> error_;
  std::size_t cut_short_ = 0;
};

}  // namespace tapstack
