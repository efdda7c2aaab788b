// Compiled by g++ (CMakeLists.txt): see capture_input.hpp.
#include "capture_input.hpp"

namespace tapstack::fuzz {

struct CaptureInput::Impl {
  PcapReader reader;
};

CaptureInput::CaptureInput(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaptureInput::~CaptureInput() = default;

std::unique_ptr<CaptureInput> CaptureInput::open(const std::string& path, std::string& error) {
  auto reader = PcapReader::open(path);
  if (!reader) {
    error = reader.error();
    return nullptr;
  }
  return std::unique_ptr<CaptureInput>(new CaptureInput(std::make_unique<Impl>(Impl{std::move(*reader)})));
}

CaptureInput::Next CaptureInput::next(CapturedFrame& frame, std::string& error) {
  auto got = impl_->reader.next();
  if (!got) {
    error = got.error();
    return Next::error;
  }
  if (!*got) return Next::end;
  frame = **got;
  return Next::frame;
}

std::optional<CaptureLinkType> CaptureInput::link_type() const { return impl_->reader.link_type(); }
std::string CaptureInput::link_type_name() const { return impl_->reader.link_type_name(); }

}  // namespace tapstack::fuzz
