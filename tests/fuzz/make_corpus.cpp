// Writes the seed corpus: small valid conversations, one file each, in the record format of
// fuzz_input.hpp, built with the codecs of stack/ through the unit tests' frame builders.
//
//   make_fuzz_corpus DIR      (README.md: cmake --build build-fuzz --target make_fuzz_corpus)
#include "fuzz_input.hpp"
#include "test_frames.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace tapstack;
using namespace tapstack::test;
namespace flag = tapstack::fuzz::flag;

static_assert(fuzz::kOurMac == kOurMac && fuzz::kOurIp == kOurIp, "seeds address the harness's stack");

constexpr Ipv4Addr kBroadcastIp = Ipv4Addr::from_octets(10, 0, 0, 255);
constexpr MacAddr kOtherMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x07}};

// Flags of a record: the seeds' frames are valid, and fix_checksums keeps them so as they mutate.
constexpr std::uint8_t kFix = flag::fix_checksums;
constexpr std::uint8_t advance(unsigned index) { return static_cast<std::uint8_t>(index << flag::advance_shift); }
constexpr std::uint8_t config(bool tun, unsigned mtu_index, bool tight) {
  return static_cast<std::uint8_t>((tun ? flag::cfg_tun : 0) | (mtu_index << flag::cfg_mtu_shift) |
                                   (tight ? flag::cfg_tight : 0));
}
constexpr unsigned k100ms = 3, k1s = 7, k30s = 14;
static_assert(fuzz::kAdvance[k100ms] == std::chrono::milliseconds{100});
static_assert(fuzz::kAdvance[k1s] == std::chrono::seconds{1});
static_assert(fuzz::kAdvance[k30s] == std::chrono::seconds{30});

class Seed {
 public:
  Seed& frame(const Frame& f, std::uint8_t flags = kFix) {
    fuzz::append_record(bytes, flags, f);
    return *this;
  }
  Seed& wait(unsigned advance_index) {  // a timer-only record
    fuzz::append_record(bytes, static_cast<std::uint8_t>(flag::no_frame | flag::timer | advance(advance_index)),
                        Frame{});
    return *this;
  }
  std::vector<std::uint8_t> bytes;
};

Frame to_us(const Frame& datagram, MacAddr dst = kOurMac) { return ethernet(dst, kPeerMac, EtherType::ipv4, datagram); }
Frame echo_datagram(std::uint16_t seq, std::size_t data_len, Bytes options = {}) {
  return ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(0x1c, seq, data_len), 0, static_cast<std::uint16_t>(0x1000 + seq), 0x4000,
              options);
}
// As `ping -R` sends it: NOP, then RR with 9 slots and the sender's address in the first.
Frame record_route_option() {
  Frame rr = bytes({1, 7, 39, 8, 10, 0, 0, 1});
  rr.resize(40, std::byte{0});
  return rr;
}
Frame arp_reply_to_us() {
  return ethernet(kOurMac, kPeerMac, EtherType::arp, arp(ArpOp::reply, kPeerMac, kPeerIp, kOurMac, kOurIp));
}

// The fragments of one ICMP echo of data_len bytes, every piece (but the last) `piece` bytes.
std::vector<Frame> echo_fragments(std::uint16_t ident, std::size_t data_len, std::size_t piece) {
  const Frame message = icmp_echo(0x1c, 1, data_len);
  std::vector<Frame> out;
  for (std::size_t at = 0; at < message.size(); at += piece) {
    const std::size_t n = std::min(piece, message.size() - at);
    const Frame part(message.begin() + static_cast<std::ptrdiff_t>(at),
                     message.begin() + static_cast<std::ptrdiff_t>(at + n));
    const bool more = at + n < message.size();
    const auto flags_frag = static_cast<std::uint16_t>((more ? kIpv4FlagMoreFragments : 0) | (at / 8));
    out.push_back(to_us(ipv4(kPeerIp, kOurIp, IpProtocol::icmp, part, 0, ident, flags_frag)));
  }
  return out;
}

bool write(const std::string& dir, const char* name, const Seed& seed) {
  const std::string path = dir + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(seed.bytes.data(), 1, seed.bytes.size(), f) != seed.bytes.size()) {
    std::fprintf(stderr, "make_fuzz_corpus: cannot write %s\n", path.c_str());
    if (f != nullptr) std::fclose(f);
    return false;
  }
  std::fclose(f);
  std::printf("%6zu %s\n", seed.bytes.size(), name);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_corpus DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  auto seed = [&](const char* name, const Seed& s) { ok = write(dir, name, s) && ok; };

  // ARP: a request for us; a probe (RFC 5227, sender 0.0.0.0); a gratuitous claim of our address
  // under the tight configuration, which defends it.
  seed("arp_request", Seed{}.frame(arp_request_for_us(), config(false, 0, false)));
  seed("arp_probe_and_conflict",
       Seed{}
           .frame(ethernet(MacAddr::broadcast(), kOtherMac, EtherType::arp,
                           arp(ArpOp::request, kOtherMac, Ipv4Addr::any(), MacAddr::zero(), kOurIp)),
                  config(false, 0, true))
           .frame(ethernet(MacAddr::broadcast(), kOtherMac, EtherType::arp,
                           arp(ArpOp::request, kOtherMac, kOurIp, MacAddr::zero(), kOurIp)))
           .wait(k1s)
           .frame(ethernet(MacAddr::broadcast(), kOtherMac, EtherType::arp,
                           arp(ArpOp::reply, kOtherMac, kOurIp, MacAddr::zero(), kOurIp))));

  // Echo: answered at once after the peer's ARP request; held while we resolve and released by
  // the peer's reply; held and dropped after three unanswered ARP requests.
  seed("echo_after_arp",
       Seed{}.frame(arp_request_for_us()).frame(echo_request_frame(1, 56)).wait(k1s).frame(echo_request_frame(2, 56)));
  seed("echo_resolved_by_reply", Seed{}.frame(echo_request_frame(1, 56)).wait(k100ms).frame(arp_reply_to_us()));
  seed("echo_unresolved", Seed{}.frame(echo_request_frame(1, 56)).wait(k1s).wait(k1s).wait(k1s).wait(k1s));
  seed("echo_broadcast",
       Seed{}
           .frame(arp_request_for_us())
           .frame(to_us(ipv4(kPeerIp, kBroadcastIp, IpProtocol::icmp, icmp_echo(0x1c, 1, 56)), MacAddr::broadcast())));
  {
    // A priority tag (802.1Q, VLAN 0) in front of an echo request.
    Frame tagged = echo_request_frame(3, 56);
    const Frame tag = bytes({0x81, 0x00, 0x20, 0x00});
    tagged.insert(tagged.begin() + 12, tag.begin(), tag.end());
    seed("echo_priority_tagged", Seed{}.frame(arp_request_for_us()).frame(tagged));
  }
  // Options: ping -R (NOP, RR with 9 slots, the sender's address in the first) and ping -T
  // tsandaddr (4 slots); an ICMP timestamp request.
  {
    const Frame rr = record_route_option();
    seed("ping_record_route", Seed{}.frame(arp_request_for_us()).frame(to_us(echo_datagram(1, 56, rr))));
    Frame ts = bytes({68, 36, 5, 1});
    ts.resize(40, std::byte{0});
    seed("ping_timestamp_option", Seed{}.frame(arp_request_for_us()).frame(to_us(echo_datagram(1, 56, ts))));
    const Frame stamp = icmp_echo(0x1c, 1, 12, IcmpType::timestamp_request);  // type 13: ident, seq, then three timestamps
    seed("icmp_timestamp", Seed{}.frame(arp_request_for_us()).frame(to_us(ipv4(kPeerIp, kOurIp, IpProtocol::icmp, stamp))));
  }
  // Closed ports: UDP gets port unreachable, a TCP SYN gets a reset.
  seed("udp_closed_port",
       Seed{}.frame(arp_request_for_us()).frame(to_us(ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(40000, 33434, 32)))));
  seed("tcp_syn_closed_port",
       Seed{}.frame(arp_request_for_us()).frame(to_us(ipv4(kPeerIp, kOurIp, IpProtocol::tcp, tcp(tcp_flag::syn, 1000, 0)))));

  // Fragments: a 4000-byte echo in three pieces (the reply is fragmented too); the same
  // datagram's last piece first and its middle never, so reassembly times out after 30 s with
  // an ICMP time exceeded.
  {
    Seed whole;
    whole.frame(arp_request_for_us());
    for (const Frame& f : echo_fragments(0x4000, 4000 - kIcmpHeaderLen, 1480)) whole.frame(f);
    seed("echo_4000_fragments", whole);
    const auto pieces = echo_fragments(0x4001, 1200 - kIcmpHeaderLen, 400);
    seed("fragments_timeout",
         Seed{}.frame(arp_request_for_us()).frame(pieces[2]).frame(pieces[0]).wait(k30s).wait(k1s));
    // A 240-byte echo in five 48-byte pieces, out of order with one duplicate: reassembled.
    const auto small = echo_fragments(0x4002, 240 - kIcmpHeaderLen, 48);
    seed("fragments_reordered", Seed{}
                                    .frame(arp_request_for_us())
                                    .frame(small[4])
                                    .frame(small[2])
                                    .frame(small[0])
                                    .frame(small[1])
                                    .frame(small[1])
                                    .frame(small[3]));
    // The same, but the third piece overlaps the second by 8 bytes: the datagram is discarded.
    Frame overlapping = small[2];
    store_be16(overlapping, kEthernetHeaderLen + ipv4_field::flags_frag,
               static_cast<std::uint16_t>(kIpv4FlagMoreFragments | (88 / 8)));
    const MutableBytes header = MutableBytes(overlapping).subspan(kEthernetHeaderLen, kIpv4MinHeaderLen);
    store_be16(header, ipv4_field::checksum, 0);
    store_be16(header, ipv4_field::checksum, internet_checksum(header));
    seed("fragments_overlap", Seed{}.frame(arp_request_for_us()).frame(small[0]).frame(small[1]).frame(overlapping));
  }

  // Other configurations: TUN (bare datagrams), the minimum MTU (a 200-byte echo answered in
  // fragments), and the tight limits (ARP table of 4 and queues of 3-5, flooded by neighbours).
  seed("tun_echo_and_udp", Seed{}
                               .frame(echo_datagram(1, 56), static_cast<std::uint8_t>(kFix | config(true, 0, false)))
                               .frame(ipv4(kPeerIp, kOurIp, IpProtocol::udp, udp(40000, 33434, 8))));
  seed("tun_mtu576_large_echo",
       Seed{}.frame(echo_datagram(1, 800), static_cast<std::uint8_t>(kFix | config(true, 1, false))));
  // ping -R with 800 bytes at MTU 576: the reply carries the option in its first fragment only.
  seed("mtu576_record_route_large",
       Seed{}
           .frame(arp_request_for_us(), static_cast<std::uint8_t>(kFix | config(false, 1, false)))
           .frame(to_us(echo_datagram(1, 800, record_route_option()))));
  seed("mtu68_echo", Seed{}
                         .frame(arp_request_for_us(), static_cast<std::uint8_t>(kFix | config(false, 2, false)))
                         .frame(echo_request_frame(1, 200)));
  {
    Seed flood;
    flood.frame(arp_request_for_us(), static_cast<std::uint8_t>(kFix | config(false, 0, true)));
    for (std::uint8_t host = 10; host < 16; ++host) {
      const Ipv4Addr ip = Ipv4Addr::from_octets(10, 0, 0, host);
      const MacAddr mac{{0x02, 0x00, 0x0a, 0x00, 0x00, host}};
      flood.frame(ethernet(kOurMac, mac, EtherType::ipv4, ipv4(ip, kOurIp, IpProtocol::icmp, icmp_echo(host, 1, 16))));
    }
    seed("tight_neighbour_flood", flood.wait(k1s).wait(k1s).wait(k1s));
  }
  return ok ? 0 : 1;
}
