#include "apps/link_chain.hpp"

#include "apps/command_error.hpp"

namespace tapstack {

LinkChain::LinkChain(Link& base, const LinkOptions& options, LinkMode mode, Duration wall_offset) : top_(&base) {
  if (!options.pcap.empty()) {
    auto writer = PcapWriter::create(options.pcap, capture_link_type_of(mode));
    if (!writer) throw CommandError(writer.error());
    top_ = &recorder_.emplace(*top_, std::move(*writer), wall_offset);
  }
  if (options.verbose > 0) top_ = &tracer_.emplace(*top_, framing_of(mode));
}

std::expected<void, std::string> LinkChain::close() {
  if (!recorder_) return {};
  return recorder_->close();
}

}  // namespace tapstack
