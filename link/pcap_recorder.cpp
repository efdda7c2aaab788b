#include "link/pcap_recorder.hpp"

namespace tapstack {

std::optional<ReceivedFrame> PcapRecorder::receive() {
  auto frame = inner().receive();
  if (frame) record(frame->data, frame->at);
  return frame;
}

void PcapRecorder::emit(Bytes frame, Instant now) {
  record(frame, now);
  inner().emit(frame, now);
}

std::optional<Instant> PcapRecorder::next_deadline() const { return earliest(flush_due_, inner().next_deadline()); }

void PcapRecorder::on_timer(Instant now) {
  if (flush_due_ && *flush_due_ <= now) {
    writer_.flush();
    flush_due_.reset();
  }
  inner().on_timer(now);
}

void PcapRecorder::record(Bytes frame, Instant at) {
  writer_.write(frame, at + wall_offset_);
  if (!flush_due_) flush_due_ = at + kFlushInterval;
}

}  // namespace tapstack
