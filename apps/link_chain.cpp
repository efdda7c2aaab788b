#include "apps/link_chain.hpp"

#include "apps/command_error.hpp"

#include <cstdio>

namespace tapstack {

LinkChain::LinkChain(Link& base, const LinkOptions& options, LinkMode mode, Duration wall_offset) : top_(&base) {
  if (!options.pcap.empty()) {
    auto writer = PcapWriter::create(options.pcap, capture_link_type_of(mode));
    if (!writer) throw CommandError(writer.error());
    top_ = &recorder_.emplace(*top_, std::move(*writer), wall_offset);
  }
  if (options.verbose > 0) top_ = &tracer_.emplace(*top_, framing_of(mode));
  if (options.explain) top_ = &explainer_.emplace(*top_, framing_of(mode));
}

void LinkChain::deliver(Stack& stack, Bytes frame, Instant at) {
  if (!explainer_) {
    stack.on_frame(frame, at);
    return;
  }
  const std::string& line = explainer_->deliver(stack, frame, at);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  // A person is reading, maybe through a pipe or a file: each line as its frame comes.
  std::fflush(stdout);
}

std::expected<void, std::string> LinkChain::close() {
  if (!recorder_) return {};
  return recorder_->close();
}

}  // namespace tapstack
