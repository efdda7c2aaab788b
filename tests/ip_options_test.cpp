#include "stack/wire/ip_options.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <initializer_list>
#include <vector>

using namespace tapstack;

namespace {

using Buffer = std::vector<std::byte>;

const Ipv4Interface kIface{Ipv4Addr::from_octets(10, 0, 0, 2), 24};
const Ipv4Addr kUs = kIface.addr;
const Ipv4Addr kPeer = Ipv4Addr::from_octets(10, 0, 0, 1);
constexpr std::uint32_t kT0 = 0x0123'4567;  // what the sender stamped
constexpr std::uint32_t kT1 = 0x0123'4600;  // our receipt
constexpr std::uint32_t kT2 = 0x0123'4601;  // our reply

// Option bytes, written as the wire shows them.
struct Opt {
  Buffer b;
  Opt& u8(std::initializer_list<int> v) {
    for (int x : v) b.push_back(std::byte(static_cast<std::uint8_t>(x)));
    return *this;
  }
  Opt& addr(Ipv4Addr a) { return be32(a.value); }
  Opt& be32(std::uint32_t v) { return u8({int(v >> 24), int((v >> 16) & 0xff), int((v >> 8) & 0xff), int(v & 0xff)}); }
  Opt& zeros(std::size_t n) {
    b.insert(b.end(), n, std::byte{0});
    return *this;
  }
};

struct Echo {
  std::array<std::byte, kMaxOptionsLen> out{};
  std::expected<ReplyOptions, EchoError> result;
  Buffer bytes() const {
    return result ? Buffer(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(result->len)) : Buffer{};
  }
};

// Receive then answer, as the Stack does for an echo request from kPeer.
Echo receive_and_reply(Buffer& options, std::uint32_t t_rx = kT1, std::uint32_t t_tx = kT2) {
  const auto compiled = compile_received_options(options, kIface, t_rx);
  REQUIRE(compiled);
  Echo e;
  e.result = build_reply_options(options, *compiled, kIface, t_tx, e.out);
  return e;
}

std::optional<std::uint8_t> error_pointer(Buffer options) {
  const auto r = compile_received_options(options, kIface, kT1);
  if (r) return std::nullopt;
  return r.error().pointer;
}

}  // namespace

TEST_CASE("ip_options: ping -R gets our address recorded on receipt and again in the reply", "[ip_options]") {
  // As a Linux sender emits `ping -R`: NOP, then RR with 9 slots, its own address already in
  // slot 1 (ip_options_build on output). Its ping then prints: peer, us, us, peer.
  Buffer req = Opt{}.u8({1, 7, 39, 8}).addr(kPeer).zeros(32).b;
  const auto compiled = compile_received_options(req, kIface, kT1);
  REQUIRE(compiled);
  CHECK(compiled->rr == 21);
  CHECK(compiled->rr_needaddr);
  CHECK(compiled->is_changed);
  CHECK(req == Opt{}.u8({1, 7, 39, 12}).addr(kPeer).addr(kUs).zeros(28).b);

  Echo e;
  e.result = build_reply_options(req, *compiled, kIface, kT2, e.out);
  REQUIRE(e.result);
  // The NOP is not echoed; RR comes back with a third address and EOOL padding.
  CHECK(e.bytes() == Opt{}.u8({7, 39, 16}).addr(kPeer).addr(kUs).addr(kUs).zeros(24).u8({0}).b);
}

TEST_CASE("ip_options: ping -T tsonly gets a time on receipt and another in the reply", "[ip_options]") {
  Buffer req = Opt{}.u8({68, 40, 9, 0}).be32(kT0).zeros(32).b;
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(req == Opt{}.u8({68, 40, 13, 0}).be32(kT0).be32(kT1).zeros(28).b);
  CHECK(e.bytes() == Opt{}.u8({68, 40, 17, 0}).be32(kT0).be32(kT1).be32(kT2).zeros(24).b);
}

TEST_CASE("ip_options: ping -T tsandaddr gets our address and time on receipt and in the reply", "[ip_options]") {
  // ping uses a 36-byte option (four address/time pairs), padded to 40 with EOOL.
  Buffer req = Opt{}.u8({68, 36, 13, 1}).addr(kPeer).be32(kT0).zeros(24).zeros(4).b;
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(req == Opt{}.u8({68, 36, 21, 1}).addr(kPeer).be32(kT0).addr(kUs).be32(kT1).zeros(16).zeros(4).b);
  // 36 bytes already align: no padding.
  CHECK(e.bytes() ==
        Opt{}.u8({68, 36, 29, 1}).addr(kPeer).be32(kT0).addr(kUs).be32(kT1).addr(kUs).be32(kT2).zeros(8).b);
}

TEST_CASE("ip_options: pre-specified timestamps are filled only for addresses that are ours", "[ip_options]") {
  const Ipv4Addr other = Ipv4Addr::from_octets(192, 0, 2, 7);
  SECTION("us, then someone else: one time, on receipt") {
    Buffer req = Opt{}.u8({68, 20, 5, 3}).addr(kUs).zeros(4).addr(other).zeros(4).b;
    const auto e = receive_and_reply(req);
    REQUIRE(e.result);
    CHECK(req == Opt{}.u8({68, 20, 13, 3}).addr(kUs).be32(kT1).addr(other).zeros(4).b);
    CHECK(e.bytes() == req);
  }
  SECTION("us twice: stamped on receipt and in the reply") {
    Buffer req = Opt{}.u8({68, 20, 5, 3}).addr(kUs).zeros(4).addr(kUs).zeros(4).b;
    const auto e = receive_and_reply(req);
    REQUIRE(e.result);
    CHECK(e.bytes() == Opt{}.u8({68, 20, 21, 3}).addr(kUs).be32(kT1).addr(kUs).be32(kT2).b);
  }
  SECTION("someone else first: nothing happens, the option is echoed as it came") {
    Buffer req = Opt{}.u8({68, 20, 5, 3}).addr(other).zeros(4).addr(kUs).zeros(4).b;
    const Buffer before = req;
    const auto compiled = compile_received_options(req, kIface, kT1);
    REQUIRE(compiled);
    CHECK_FALSE(compiled->ts_needtime);
    CHECK(req == before);
    Echo e;
    e.result = build_reply_options(req, *compiled, kIface, kT2, e.out);
    CHECK(e.bytes() == before);
  }
}

TEST_CASE("ip_options: which pre-specified addresses Linux treats as local (not RTN_UNICAST)", "[ip_options]") {
  auto stamped = [](Ipv4Addr a) {
    Buffer req = Opt{}.u8({68, 12, 5, 3}).addr(a).zeros(4).b;
    const auto c = compile_received_options(req, kIface, kT1);
    REQUIRE(c);
    return c->ts_needtime;
  };
  CHECK(stamped(kUs));
  CHECK(stamped(Ipv4Addr::from_octets(127, 0, 0, 1)));
  CHECK(stamped(Ipv4Addr::from_octets(127, 9, 9, 9)));
  CHECK(stamped(Ipv4Addr::from_octets(0, 0, 0, 0)));
  CHECK(stamped(Ipv4Addr::limited_broadcast()));
  CHECK(stamped(Ipv4Addr::from_octets(10, 0, 0, 255)));
  CHECK(stamped(Ipv4Addr::from_octets(224, 0, 0, 1)));
  CHECK_FALSE(stamped(kPeer));
  CHECK_FALSE(stamped(Ipv4Addr::from_octets(10, 0, 0, 0)));
  CHECK_FALSE(stamped(Ipv4Addr::from_octets(8, 8, 8, 8)));
  CHECK_FALSE(stamped(Ipv4Addr::from_octets(240, 0, 0, 1)));
}

TEST_CASE("ip_options: a full record route is left alone and echoed unchanged", "[ip_options]") {
  Buffer req = Opt{}.u8({7, 7, 8}).addr(kPeer).u8({1}).b;
  const Buffer before = req;
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(req == before);
  CHECK(e.bytes() == Opt{}.u8({7, 7, 8}).addr(kPeer).u8({0}).b);
}

TEST_CASE("ip_options: a record route with one free slot takes our address on receipt only", "[ip_options]") {
  Buffer req = Opt{}.u8({7, 7, 4}).zeros(4).u8({0}).b;
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(e.bytes() == Opt{}.u8({7, 7, 8}).addr(kUs).u8({0}).b);
}

TEST_CASE("ip_options: a reply whose promised slot does not fit is not sent at all", "[ip_options]") {
  // RR of length 40 with the pointer at 36: receipt fills 36..39 and moves to 40 <= 40, but the
  // echo needs 40 + 3 <= 40: __ip_options_echo() fails and Linux sends no reply.
  Buffer req = Opt{}.u8({7, 40, 36}).zeros(37).b;
  const auto e = receive_and_reply(req);
  REQUIRE_FALSE(e.result);
  CHECK(e.result.error() == EchoError::no_room);
}

TEST_CASE("ip_options: a full timestamp counts overflows until the counter would wrap", "[ip_options]") {
  Buffer req = Opt{}.u8({68, 8, 9, 0x00}).be32(kT0).b;
  REQUIRE(compile_received_options(req, kIface, kT1));
  CHECK(std::to_integer<int>(req[3]) == 0x10);
  REQUIRE(compile_received_options(req, kIface, kT1));
  CHECK(std::to_integer<int>(req[3]) == 0x20);
  Buffer full = Opt{}.u8({68, 8, 9, 0xf1}).be32(kT0).b;
  CHECK(error_pointer(full) == 23);
  SECTION("pre-specified lists do not count overflows") {
    Buffer prespec = Opt{}.u8({68, 12, 13, 0x03}).addr(kUs).be32(kT0).b;
    const Buffer before = prespec;
    REQUIRE(compile_received_options(prespec, kIface, kT1));
    CHECK(prespec == before);
  }
}

TEST_CASE("ip_options: a timestamp with an undefined flag is accepted and left alone", "[ip_options]") {
  Buffer req = Opt{}.u8({68, 8, 5, 2}).zeros(4).b;
  const Buffer before = req;
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(req == before);
  CHECK(e.bytes() == before);
}

TEST_CASE("ip_options: malformed options are refused with Linux's parameter-problem pointer", "[ip_options]") {
  // Pointers count from the start of the IP header: the first option byte is 20.
  CHECK(error_pointer(Opt{}.u8({1, 1, 1, 7}).b) == 23);                  // a lone type byte at the end
  CHECK(error_pointer(Opt{}.u8({7, 1, 0, 0}).b) == 20);                  // length below 2
  CHECK(error_pointer(Opt{}.u8({7, 9, 4, 0, 0, 0, 0, 0}).b) == 20);      // length beyond the options
  CHECK(error_pointer(Opt{}.u8({7, 2, 1, 1}).b) == 21);                  // RR shorter than 3
  CHECK(error_pointer(Opt{}.u8({7, 7, 3}).zeros(5).b) == 22);            // RR pointer below 4
  CHECK(error_pointer(Opt{}.u8({7, 7, 5}).zeros(5).b) == 22);            // RR slot would not fit
  CHECK(error_pointer(Opt{}.u8({7, 3, 4, 7, 3, 4, 0, 0}).b) == 23);      // second RR
  CHECK(error_pointer(Opt{}.u8({68, 3, 5, 0}).b) == 21);                 // TS shorter than 4
  CHECK(error_pointer(Opt{}.u8({68, 8, 4, 0}).zeros(4).b) == 22);        // TS pointer below 5
  CHECK(error_pointer(Opt{}.u8({68, 8, 6, 0}).zeros(4).b) == 22);        // TS slot would not fit
  CHECK(error_pointer(Opt{}.u8({68, 8, 5, 1}).zeros(4).b) == 22);        // tsandaddr pair would not fit
  CHECK(error_pointer(Opt{}.u8({68, 8, 5, 3}).zeros(4).b) == 22);        // prespec pair would not fit
  CHECK(error_pointer(Opt{}.u8({68, 4, 5, 0, 68, 4, 5, 0}).b) == 24);    // second TS
  CHECK(error_pointer(Opt{}.u8({131, 2, 1, 1}).b) == 21);                // source route shorter than 3
  CHECK(error_pointer(Opt{}.u8({131, 3, 3, 1}).b) == 22);                // source route pointer below 4
  CHECK(error_pointer(Opt{}.u8({131, 3, 4, 137, 3, 4, 0, 0}).b) == 23);  // two source routes
  CHECK(error_pointer(Opt{}.u8({148, 3, 0, 1}).b) == 21);                // router alert shorter than 4
  CHECK(error_pointer(Opt{}.u8({134, 6, 0, 0, 0, 1, 0, 0}).b) == 21);    // CIPSO shorter than 8
  CHECK(error_pointer(Opt{}.u8({134, 8, 0, 0, 0, 1, 0, 0}).b) == 22);    // CIPSO with no DOI configured
}

TEST_CASE("ip_options: every truncation of a valid option list is either valid or refused, never overrun",
          "[ip_options]") {
  const Buffer full = Opt{}.u8({1, 7, 11, 4}).zeros(8).u8({68, 12, 5, 1}).zeros(8).u8({148, 4, 0, 0}).b;
  for (std::size_t n = 0; n <= full.size(); ++n) {
    Buffer cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    INFO("length " << n);
    const auto r = compile_received_options(cut, kIface, kT1);
    if (!r) CHECK(r.error().pointer >= 20);
    if (!r) CHECK(r.error().pointer < 20 + n);
  }
}

TEST_CASE("ip_options: an error after a record route leaves the route rewritten, as Linux quotes it", "[ip_options]") {
  Buffer req = Opt{}.u8({7, 7, 4}).zeros(4).u8({68, 3, 5, 0}).b;
  CHECK(error_pointer(req) == 28);  // the timestamp's length byte
  REQUIRE_FALSE(compile_received_options(req, kIface, kT1));
  CHECK(Buffer(req.begin(), req.begin() + 7) == Opt{}.u8({7, 7, 8}).addr(kUs).b);
}

TEST_CASE("ip_options: everything after EOOL is ignored and normalised to EOOL", "[ip_options]") {
  Buffer req = Opt{}.u8({7, 3, 4, 0, 9, 9, 7, 1}).b;
  const auto r = compile_received_options(req, kIface, kT1);
  REQUIRE(r);
  CHECK(r->is_changed);
  CHECK(req == Opt{}.u8({7, 3, 4, 0, 0, 0, 0, 0}).b);
}

TEST_CASE("ip_options: NOP, security, stream id, router alert and unknown options are accepted but not echoed",
          "[ip_options]") {
  Buffer req = Opt{}.u8({130, 4, 1, 2, 136, 4, 0, 1, 148, 4, 0, 0, 99, 2, 1, 0}).b;
  const auto compiled = compile_received_options(req, kIface, kT1);
  REQUIRE(compiled);
  CHECK(compiled->router_alert == 28);
  CHECK_FALSE(compiled->is_changed);
  Echo e;
  e.result = build_reply_options(req, *compiled, kIface, kT2, e.out);
  REQUIRE(e.result);
  CHECK(e.result->len == 0);
}

TEST_CASE("ip_options: no options, no reply options", "[ip_options]") {
  Buffer none;
  const auto e = receive_and_reply(none);
  REQUIRE(e.result);
  CHECK(e.result->len == 0);
}

TEST_CASE("ip_options: the reply lists record route before timestamp whatever the request's order", "[ip_options]") {
  Buffer req = Opt{}.u8({68, 8, 5, 0}).zeros(4).u8({7, 7, 4}).zeros(4).u8({1}).b;
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(e.bytes() == Opt{}.u8({7, 7, 8}).addr(kUs).u8({68, 8, 9, 0}).be32(kT1).u8({0}).b);
}

TEST_CASE("ip_options: a source route is never echoed: a host drops what carries one first", "[ip_options]") {
  // The Stack drops source-routed datagrams (accept_source_route=0) before it could answer
  // them; build_reply_options() leaves the route out even if asked.
  const Ipv4Addr r1 = Ipv4Addr::from_octets(192, 0, 2, 1);
  Buffer req = Opt{}.u8({131, 7, 8}).addr(r1).u8({7, 7, 4}).zeros(4).u8({1, 1}).b;
  const auto compiled = compile_received_options(req, kIface, kT1);
  REQUIRE(compiled);
  CHECK(compiled->srr == 20);
  CHECK_FALSE(compiled->is_strictroute);
  Echo e;
  e.result = build_reply_options(req, *compiled, kIface, kT2, e.out);
  REQUIRE(e.result);
  CHECK(e.bytes() == Opt{}.u8({7, 7, 8}).addr(kUs).u8({0}).b);
}

TEST_CASE("ip_options: the largest reply fits the 40-byte buffer", "[ip_options]") {
  // RR (19 bytes) + timestamp (20 bytes) + NOP: 40 bytes of request, 39 + 1 pad of reply.
  Buffer req = Opt{}.u8({7, 19, 4}).zeros(16).u8({68, 20, 5, 0}).zeros(16).u8({1}).b;
  REQUIRE(req.size() == 40);
  const auto e = receive_and_reply(req);
  REQUIRE(e.result);
  CHECK(e.result->len == 40);
}

TEST_CASE("ip_options: later fragments keep copied options only", "[ip_options]") {
  SECTION("non-copied options become NOPs of the same length") {
    Buffer o = Opt{}.u8({7, 3, 4, 131, 3, 4, 68, 4, 5, 0, 148, 4, 0, 0, 1, 0}).b;
    strip_uncopied_options(o);
    CHECK(o == Opt{}.u8({1, 1, 1, 131, 3, 4, 1, 1, 1, 1, 148, 4, 0, 0, 1, 0}).b);
  }
  SECTION("stops at EOOL") {
    Buffer o = Opt{}.u8({0, 7, 3, 4}).b;
    strip_uncopied_options(o);
    CHECK(o == Opt{}.u8({0, 7, 3, 4}).b);
  }
  SECTION("stops at a malformed length") {
    Buffer o = Opt{}.u8({7, 9, 4, 0}).b;
    strip_uncopied_options(o);
    CHECK(o == Opt{}.u8({7, 9, 4, 0}).b);
  }
}
