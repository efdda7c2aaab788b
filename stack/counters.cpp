#include "stack/counters.hpp"

namespace tapstack {

std::uint64_t Counters::total_drops() const {
  std::uint64_t sum = 0;
  for_each([&](const CounterInfo& info, std::uint64_t v) {
    if (info.name.find("drop_") != std::string_view::npos) sum += v;
  });
  return sum;
}

}  // namespace tapstack
