#include "stack/counters.hpp"

namespace tapstack {

std::uint64_t Counters::total_drops() const {
  std::uint64_t sum = 0;
  for_each([&](const CounterInfo& info, std::uint64_t v) {
    if (info.is_drop()) sum += v;
  });
  return sum;
}

}  // namespace tapstack
