// Until v6ndp's on_ndp() (stack/stack_ndp.cpp) is merged: NDP and MLD messages are counted and
// dropped. Delete this file (and its line in CMakeLists.txt) when that lands.
#include "stack/stack.hpp"

namespace tapstack {

void Stack::on_ndp(const Inbound6&, const Icmpv6View&, Instant) { counters_.add(Counter::icmp6_drop_unhandled_type); }

}  // namespace tapstack
