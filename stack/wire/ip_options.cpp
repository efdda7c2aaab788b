#include "stack/wire/ip_options.hpp"

#include "stack/wire/ipv4.hpp"

#include <algorithm>

namespace tapstack {
namespace {

std::uint8_t u8_at(Bytes b, std::size_t i) { return load_u8(b, i); }

// Linux asks inet_addr_type(addr) != RTN_UNICAST, i.e. "is this address in the local routing
// table or special": our address and 127/8 (RTN_LOCAL), 0/8 and 255.255.255.255 (RTN_BROADCAST
// by rule), multicast, and the subnet's directed broadcast (a broadcast route in table local).
// Modern kernels no longer add a broadcast route for the network address, so it counts as
// unicast here.
bool is_ours_for_timestamp(Ipv4Addr a, const Ipv4Interface& iface) {
  return a == iface.addr || a.is_loopback() || a.is_zeronet() || a.is_limited_broadcast() || a.is_multicast() ||
         iface.subnet_broadcast() == a;
}

std::uint8_t header_offset(std::size_t option_index) {
  return static_cast<std::uint8_t>(kIpv4MinHeaderLen + option_index);
}

}  // namespace

std::expected<ReceivedOptions, OptionError> compile_received_options(MutableBytes options, const Ipv4Interface& iface,
                                                                     std::uint32_t ms_since_midnight_utc) {
  ReceivedOptions opt;
  opt.optlen = static_cast<std::uint8_t>(options.size());
  // An error carries what was compiled up to it: Linux's IPCB(skb)->opt, which the parameter
  // problem's ip_options_echo() reads.
  const auto error_at = [&](std::size_t option_index) {
    return std::unexpected(OptionError{header_offset(option_index), opt});
  };
  const Bytes in = options;
  std::size_t i = 0;
  std::size_t left = options.size();

  while (left > 0) {
    const std::uint8_t type = u8_at(in, i);
    if (type == ipopt::end) {
      // Linux normalises everything after EOOL to EOOL (and marks the options changed).
      for (std::size_t j = i + 1; j < options.size(); ++j) {
        if (u8_at(in, j) != ipopt::end) {
          store_u8(options, j, ipopt::end);
          opt.is_changed = true;
        }
      }
      break;
    }
    if (type == ipopt::nop) {
      ++i;
      --left;
      continue;
    }
    // A TLV needs its length byte inside the options, and a length that fits (pp_ptr = type).
    if (left < 2) return error_at(i);
    const std::uint8_t optlen = u8_at(in, i + 1);
    if (optlen < 2 || optlen > left) return error_at(i);

    switch (type) {
      case ipopt::ssrr:
      case ipopt::lsrr: {
        if (optlen < 3) return error_at(i + 1);
        if (u8_at(in, i + 2) < 4) return error_at(i + 2);
        if (opt.srr != 0) return error_at(i);  // RFC 1812 §5.2.4.1: at most one source route
        // With an skb Linux leaves the route untouched here; ip_options_rcv_srr() acts on it
        // after accept_source_route, which a host has off.
        opt.is_strictroute = type == ipopt::ssrr;
        opt.srr = header_offset(i);
        break;
      }
      case ipopt::rr: {
        if (opt.rr != 0) return error_at(i);
        if (optlen < 3) return error_at(i + 1);
        const std::uint8_t ptr = u8_at(in, i + 2);
        if (ptr < 4) return error_at(i + 2);
        if (ptr <= optlen) {
          if (ptr + 3 > optlen) return error_at(i + 2);
          // Routing has run before ip_rcv_options(), so Linux records the local address now.
          store_be32(options, i + ptr - 1, iface.addr.value);
          store_u8(options, i + 2, static_cast<std::uint8_t>(ptr + 4));
          opt.is_changed = true;
          opt.rr_needaddr = true;
        }
        opt.rr = header_offset(i);
        break;
      }
      case ipopt::timestamp: {
        if (opt.ts != 0) return error_at(i);
        if (optlen < 4) return error_at(i + 1);
        const std::uint8_t ptr = u8_at(in, i + 2);
        if (ptr < 5) return error_at(i + 2);
        const std::uint8_t flags = u8_at(in, i + 3);
        if (ptr <= optlen) {
          if (ptr + 3 > optlen) return error_at(i + 2);
          std::optional<std::size_t> time_at;
          switch (flags & 0x0f) {
            case ipopt::ts_only:
              time_at = i + ptr - 1;
              opt.ts_needtime = true;
              store_u8(options, i + 2, static_cast<std::uint8_t>(ptr + 4));
              break;
            case ipopt::ts_and_addr:
              if (ptr + 7 > optlen) return error_at(i + 2);
              store_be32(options, i + ptr - 1, iface.addr.value);
              time_at = i + ptr + 3;
              opt.ts_needaddr = true;
              opt.ts_needtime = true;
              store_u8(options, i + 2, static_cast<std::uint8_t>(ptr + 8));
              break;
            case ipopt::ts_prespec: {
              if (ptr + 7 > optlen) return error_at(i + 2);
              // Only a pre-specified address that is ours gets a time; others pass untouched.
              if (!is_ours_for_timestamp(Ipv4Addr{load_be32(in, i + ptr - 1)}, iface)) break;
              time_at = i + ptr + 3;
              opt.ts_needtime = true;
              store_u8(options, i + 2, static_cast<std::uint8_t>(ptr + 8));
              break;
            }
            default:
              // Undefined flags are accepted on receipt (only a local sender without
              // CAP_NET_RAW is refused) and left alone.
              break;
          }
          if (time_at) {
            store_be32(options, *time_at, ms_since_midnight_utc);
            opt.is_changed = true;
          }
        } else if ((flags & 0x0f) != ipopt::ts_prespec) {
          // RFC 791: a full option counts the hosts that could not record in the overflow
          // nibble; Linux rejects it once the nibble would wrap.
          const unsigned overflow = flags >> 4;
          if (overflow == 15) return error_at(i + 3);
          store_u8(options, i + 3, static_cast<std::uint8_t>((flags & 0x0f) | ((overflow + 1) << 4)));
          opt.is_changed = true;
        }
        opt.ts = header_offset(i);
        break;
      }
      case ipopt::router_alert:
        if (optlen < 4) return error_at(i + 1);
        if (u8_at(in, i + 2) == 0 && u8_at(in, i + 3) == 0) opt.router_alert = header_offset(i);
        break;
      case ipopt::cipso:
        // cipso_v4_validate() with CONFIG_NETLABEL (every distribution kernel) and no CIPSO DOI
        // configured, the default: too short points at the length, otherwise the unknown DOI.
        return error_at(optlen < 8 ? i + 1 : i + 2);
      default:
        // Security, stream id and unknown options are accepted as they are.
        break;
    }
    left -= optlen;
    i += optlen;
  }
  return opt;
}

std::expected<ReplyOptions, EchoError> build_reply_options(Bytes received, const ReceivedOptions& compiled,
                                                           const Ipv4Interface& iface,
                                                           std::uint32_t ms_since_midnight_utc,
                                                           std::span<std::byte, kMaxOptionsLen> out) {
  ReplyOptions reply;
  if (compiled.optlen == 0) return reply;

  const MutableBytes dst{out};
  const auto src_at = [&](std::uint8_t header_off) { return received.subspan(header_off - kIpv4MinHeaderLen); };
  std::size_t dlen = 0;
  std::optional<std::size_t> d_rr, d_ts;
  bool rr_needaddr = false, ts_needaddr = false, ts_needtime = false;

  // __ip_options_echo(): RR first.
  if (compiled.rr != 0) {
    const Bytes s = src_at(compiled.rr);
    const int optlen = load_u8(s, 1);
    const int soffset = load_u8(s, 2);
    d_rr = dlen;
    copy_bytes(dst.subspan(dlen), s.first(static_cast<std::size_t>(optlen)));
    if (compiled.rr_needaddr && soffset <= optlen) {
      if (soffset + 3 > optlen) return std::unexpected(EchoError::no_room);
      store_u8(dst, dlen + 2, static_cast<std::uint8_t>(soffset + 4));
      rr_needaddr = true;
    }
    dlen += static_cast<std::size_t>(optlen);
  }
  // Then the timestamp.
  if (compiled.ts != 0) {
    const Bytes s = src_at(compiled.ts);
    const int optlen = load_u8(s, 1);
    int soffset = load_u8(s, 2);
    d_ts = dlen;
    copy_bytes(dst.subspan(dlen), s.first(static_cast<std::size_t>(optlen)));
    if (soffset <= optlen) {
      if (compiled.ts_needaddr) {
        if (soffset + 3 > optlen) return std::unexpected(EchoError::no_room);
        ts_needaddr = true;
        soffset += 4;
      }
      if (compiled.ts_needtime) {
        if (soffset + 3 > optlen) return std::unexpected(EchoError::no_room);
        if ((load_u8(s, 3) & 0x0f) != ipopt::ts_prespec) {
          ts_needtime = true;
          soffset += 4;
        } else if (soffset + 7 <= optlen) {
          // A pre-specified list: stamp the next entry only if it names us as well.
          const Ipv4Addr next{load_be32(dst, dlen + static_cast<std::size_t>(soffset) - 1)};
          if (is_ours_for_timestamp(next, iface)) {
            ts_needtime = true;
            soffset += 8;
          }
        }
      }
      store_u8(dst, dlen + 2, static_cast<std::uint8_t>(soffset));
    }
    dlen += static_cast<std::size_t>(optlen);
  }
  while (dlen & 3) store_u8(dst, dlen++, ipopt::end);
  reply.len = dlen;

  // ip_options_build() when the reply leaves: our (source) address and the time go into the
  // slots reserved above.
  if (rr_needaddr) store_be32(dst, *d_rr + load_u8(dst, *d_rr + 2) - 5, iface.addr.value);
  if (ts_needaddr) store_be32(dst, *d_ts + load_u8(dst, *d_ts + 2) - 9, iface.addr.value);
  if (ts_needtime) store_be32(dst, *d_ts + load_u8(dst, *d_ts + 2) - 5, ms_since_midnight_utc);
  return reply;
}

void strip_uncopied_options(MutableBytes options) {
  std::size_t i = 0;
  std::size_t left = options.size();
  while (left > 0) {
    const std::uint8_t type = load_u8(options, i);
    if (type == ipopt::end) return;
    if (type == ipopt::nop) {
      ++i;
      --left;
      continue;
    }
    if (left < 2) return;
    const std::uint8_t optlen = load_u8(options, i + 1);
    if (optlen < 2 || optlen > left) return;
    if (!ipopt::is_copied(type)) {
      std::fill_n(options.begin() + static_cast<std::ptrdiff_t>(i), optlen, std::byte{ipopt::nop});
    }
    left -= optlen;
    i += optlen;
  }
}

}  // namespace tapstack
