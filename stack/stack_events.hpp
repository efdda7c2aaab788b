#pragma once
// Events a person should hear about. The core has no logger: it reports here and the program
// decides how to say it. Every method has a no-op default so an observer overrides what it needs.
#include "stack/wire/addr.hpp"
#include "stack/time.hpp"

namespace tapstack {

class StackEvents {
 public:
  virtual ~StackEvents() = default;
  // Another host's ARP claims our address (RFC 5227 §2.4): a misconfiguration to fix.
  virtual void address_conflict(Ipv4Addr /*ours*/, MacAddr /*other*/, Instant /*now*/) {}
  // Another node claims one of our IPv6 addresses: during DAD (RFC 4862 §5.4.3/§5.4.4, the
  // address is then duplicate and never used) or by advertising it with its own MAC afterwards.
  // An observer that overrides one overload brings the other in with
  // `using StackEvents::address_conflict;` (-Woverloaded-virtual).
  virtual void address_conflict(Ipv6Addr /*ours*/, MacAddr /*other*/, Instant /*now*/) {}
};

}  // namespace tapstack
