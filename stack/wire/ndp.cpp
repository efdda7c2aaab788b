#include "stack/wire/ndp.hpp"

#include <boost/endian/buffers.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace tapstack {
namespace {

namespace be = boost::endian;

struct TargetLayout {  // NS and NA: four bytes of flags/reserved, then the target
  be::big_uint32_buf_t flags;
  std::array<std::uint8_t, 16> target;
};
static_assert(sizeof(TargetLayout) == kNdpSolicitationBodyLen);

struct RouterAdvertisementLayout {
  be::big_uint8_buf_t cur_hop_limit;
  be::big_uint8_buf_t flags;
  be::big_uint16_buf_t router_lifetime;
  be::big_uint32_buf_t reachable_time;
  be::big_uint32_buf_t retrans_timer;
};
static_assert(sizeof(RouterAdvertisementLayout) == kNdpRouterAdvertisementBodyLen);

struct LinkLayerOptionLayout {
  be::big_uint8_buf_t type;
  be::big_uint8_buf_t len;  // in units of 8 octets
  std::array<std::uint8_t, 6> mac;
};
static_assert(sizeof(LinkLayerOptionLayout) == kNdpLinkLayerOptionLen);

constexpr std::uint32_t kRouterFlag = 0x80000000;
constexpr std::uint32_t kSolicitedFlag = 0x40000000;
constexpr std::uint32_t kOverrideFlag = 0x20000000;
constexpr std::uint8_t kManagedFlag = 0x80;
constexpr std::uint8_t kOtherFlag = 0x40;

void emit_link_layer_option(MutableBytes out, NdpOptionType type, const MacAddr& mac) {
  LinkLayerOptionLayout l;
  l.type = std::to_underlying(type);
  l.len = 1;
  l.mac = mac.octets;
  store_layout(out, l);
}

}  // namespace

std::expected<NdpOptions, NdpError> NdpOptions::parse(Bytes options) {
  NdpOptions parsed;
  while (!options.empty()) {
    // Linux's ndisc_parse_options(): a header must fit, a length of 0 (which would loop for
    // ever) or past the end makes the whole message invalid.
    if (options.size() < 2) return std::unexpected(NdpError::bad_option);
    const std::size_t len = std::size_t{load_u8(options, 1)} * 8;
    if (len == 0 || len > options.size()) return std::unexpected(NdpError::bad_option);
    const auto type = NdpOptionType{load_u8(options, 0)};
    if (type == NdpOptionType::source_link_layer || type == NdpOptionType::target_link_layer) {
      // Ethernet's option is exactly 8 bytes (RFC 2464 §6); Linux's ndisc_opt_addr_data()
      // refuses any other length, and the message with it.
      if (len != kNdpLinkLayerOptionLen) return std::unexpected(NdpError::bad_link_layer);
      auto& slot = type == NdpOptionType::source_link_layer ? parsed.source_mac : parsed.target_mac;
      if (!slot) slot = MacAddr{load_layout<LinkLayerOptionLayout>(options).mac};
    }
    options = options.subspan(len);
  }
  return parsed;
}

std::expected<NeighbourSolicitation, NdpError> NeighbourSolicitation::parse(Bytes body) {
  if (body.size() < kNdpSolicitationBodyLen) return std::unexpected(NdpError::truncated);
  const auto options = NdpOptions::parse(body.subspan(kNdpSolicitationBodyLen));
  if (!options) return std::unexpected(options.error());
  return NeighbourSolicitation{Ipv6Addr{load_layout<TargetLayout>(body).target}, options->source_mac};
}

void NeighbourSolicitation::emit(MutableBytes out) const {
  TargetLayout l;
  l.flags = 0;
  l.target = target.octets;
  store_layout(out, l);
  if (source_mac) emit_link_layer_option(out.subspan(kNdpSolicitationBodyLen), NdpOptionType::source_link_layer, *source_mac);
}

std::expected<NeighbourAdvertisement, NdpError> NeighbourAdvertisement::parse(Bytes body) {
  if (body.size() < kNdpAdvertisementBodyLen) return std::unexpected(NdpError::truncated);
  const auto options = NdpOptions::parse(body.subspan(kNdpAdvertisementBodyLen));
  if (!options) return std::unexpected(options.error());
  const auto l = load_layout<TargetLayout>(body);
  const std::uint32_t flags = l.flags.value();
  return NeighbourAdvertisement{.router = (flags & kRouterFlag) != 0,
                                .solicited = (flags & kSolicitedFlag) != 0,
                                .override = (flags & kOverrideFlag) != 0,
                                .target = Ipv6Addr{l.target},
                                .target_mac = options->target_mac};
}

void NeighbourAdvertisement::emit(MutableBytes out) const {
  TargetLayout l;
  l.flags = (router ? kRouterFlag : 0) | (solicited ? kSolicitedFlag : 0) | (override ? kOverrideFlag : 0);
  l.target = target.octets;
  store_layout(out, l);
  if (target_mac) emit_link_layer_option(out.subspan(kNdpAdvertisementBodyLen), NdpOptionType::target_link_layer, *target_mac);
}

std::expected<RouterSolicitation, NdpError> RouterSolicitation::parse(Bytes body) {
  if (body.size() < kNdpRouterSolicitationBodyLen) return std::unexpected(NdpError::truncated);
  const auto options = NdpOptions::parse(body.subspan(kNdpRouterSolicitationBodyLen));
  if (!options) return std::unexpected(options.error());
  return RouterSolicitation{options->source_mac};
}

std::expected<RouterAdvertisement, NdpError> RouterAdvertisement::parse(Bytes body) {
  if (body.size() < kNdpRouterAdvertisementBodyLen) return std::unexpected(NdpError::truncated);
  const auto options = NdpOptions::parse(body.subspan(kNdpRouterAdvertisementBodyLen));
  if (!options) return std::unexpected(options.error());
  const auto l = load_layout<RouterAdvertisementLayout>(body);
  return RouterAdvertisement{.cur_hop_limit = l.cur_hop_limit.value(),
                             .managed = (l.flags.value() & kManagedFlag) != 0,
                             .other = (l.flags.value() & kOtherFlag) != 0,
                             .router_lifetime = l.router_lifetime.value(),
                             .reachable_time = l.reachable_time.value(),
                             .retrans_timer = l.retrans_timer.value(),
                             .source_mac = options->source_mac};
}

std::expected<void, NdpError> check_redirect(Bytes body) {
  if (body.size() < kNdpRedirectBodyLen) return std::unexpected(NdpError::truncated);
  const auto options = NdpOptions::parse(body.subspan(kNdpRedirectBodyLen));
  if (!options) return std::unexpected(options.error());
  return {};
}

}  // namespace tapstack
