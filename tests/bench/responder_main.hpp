#pragma once
// The command line the benchmark's TAP responders share (tap_reflector, lwip_responder):
// `NAME IP HOST_IP/PREFIX`, exit 2 on a usage error and 1 on a failure, as tapstack does.
#include "stack/wire/addr.hpp"

#include <cstdio>
#include <exception>

namespace tapstack {

// run(ip, host) answers as ip on a fresh TAP whose host side gets host, until a signal stops it.
template <class Run>
int responder_main(const char* name, int argc, char** argv, Run run) {
  const auto ip = argc == 3 ? Ipv4Addr::parse(argv[1]) : std::nullopt;
  const auto host = argc == 3 ? Ipv4Interface::parse(argv[2]) : std::nullopt;
  if (!ip || !host) {
    std::fprintf(stderr, "usage: %s IP HOST_IP/PREFIX   (e.g. 10.0.0.2 10.0.0.1/24)\n", argv[0]);
    return 2;
  }
  try {
    return run(*ip, *host);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace tapstack
