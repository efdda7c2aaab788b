// The floor for `tapstack replay`: every frame of a capture copied, unchanged, into another
// through libpcap, opened as replay opens them (nanosecond stamps in, microsecond out). What
// replay pays beyond this is the stack (and replay's own loop).
//
//   pcap_copy IN.pcap OUT.pcap
#include <pcap/pcap.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pcap_copy IN.pcap OUT.pcap\n");
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (in == nullptr) {
    std::fprintf(stderr, "pcap_copy: %s\n", errbuf);
    return 1;
  }
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(in), 262144, PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* out = dead != nullptr ? pcap_dump_open(dead, argv[2]) : nullptr;
  if (out == nullptr) {
    std::fprintf(stderr, "pcap_copy: cannot write %s\n", argv[2]);
    return 1;
  }
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(in, &hdr, &data)) == 1) {
    pcap_pkthdr copy = *hdr;
    // Nanoseconds in, microseconds out, as replay's writer stores them.
    copy.ts.tv_usec /= 1000;
    pcap_dump(reinterpret_cast<u_char*>(out), &copy, data);
  }
  const bool failed = rc != PCAP_ERROR_BREAK;
  if (failed) std::fprintf(stderr, "pcap_copy: %s\n", pcap_geterr(in));
  pcap_dump_close(out);
  pcap_close(dead);
  pcap_close(in);
  return failed ? 1 : 0;
}
