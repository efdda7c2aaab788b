#pragma once
#include "stack/wire/bytes.hpp"
#include "stack/time.hpp"

namespace tapstack {

// Where the core puts the frames it emits. The span is only valid during the call: a sink that
// keeps the frame copies it. A sink never calls back into the stack.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void emit(Bytes frame, Instant now) = 0;
};

}  // namespace tapstack
