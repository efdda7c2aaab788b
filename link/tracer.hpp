#pragma once
// `-v`: a decorator that logs one decoded line per frame in and out (spdlog debug), and with
// `-vv` a hex dump under it (trace), then passes the frame on unchanged:
//
//   12:00:01.000123 debug in  02:00:0a:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1
//   12:00:01.000180 debug out 02:00:0a:00:00:02 > 02:00:0a:00:00:01 ARP reply 10.0.0.2 is-at ...
//
// Commands put it in the chain only with -v: without it, a frame pays nothing for logging, not
// even a call into spdlog to learn that the level is off.
#include "describe/describe.hpp"
#include "link/link_decorator.hpp"

#include <string>

namespace tapstack {

class Tracer final : public LinkDecorator {
 public:
  Tracer(Link& inner, Framing framing) : LinkDecorator(inner), framing_(framing) {}

  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override;

 private:
  void trace(const char* direction, Bytes frame);

  Framing framing_;
  std::string line_;  // reused from frame to frame
};

}  // namespace tapstack
