#pragma once
// One logger for the program, on stderr (stdout carries reports and `dump` output).
namespace tapstack {

// quiet: warnings and errors only. verbosity 0: info (start-up, shutdown, ARP conflicts);
// 1 (-v): debug, one decoded line per frame in and out; 2 (-vv): trace, a hex dump as well.
void configure_logging(int verbosity, bool quiet);

}  // namespace tapstack
