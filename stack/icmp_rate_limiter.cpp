#include "stack/icmp_rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace tapstack {
namespace {

constexpr std::int64_t kHz = 1000;              // ticks per second: milliseconds
constexpr std::int64_t kNewPeerAgeMs = 60'000;  // inet_getpeer(): rate_last = jiffies - 60*HZ

std::int64_t to_ms(Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

IcmpRateLimiter::IcmpRateLimiter(const IcmpConfig& config, const Icmpv6Config& config6, std::size_t max_peers)
    : ratemask_(config.ratemask),
      ratelimit_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(config.ratelimit).count()),
      rate_per_sec_(config.global_rate_per_sec),
      burst_(config.global_burst),
      ratemask6_(config6.ratemask),
      ratelimit6_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(config6.ratelimit).count()),
      peers_(std::max<std::size_t>(max_peers, 1)) {}

IcmpRateVerdict IcmpRateLimiter::check(IcmpType type, std::uint8_t code, Ipv4Addr dst, Instant now) {
  if (!is_limited_type(type, code)) return IcmpRateVerdict::allowed;
  const std::int64_t now_ms = to_ms(now);
  if (!global_allow(now_ms)) return IcmpRateVerdict::limited_global;
  const Ipv6Addr mapped{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, dst.octet(0), dst.octet(1), dst.octet(2), dst.octet(3)}};
  if (!peer_allow({mapped, false}, ratelimit_ms_, now_ms)) return IcmpRateVerdict::limited_peer;
  --credit_;  // icmp_global_consume(): Linux takes get_random_u32_below(3), mean 1
  return IcmpRateVerdict::allowed;
}

IcmpRateVerdict IcmpRateLimiter::check6(Icmpv6Type type, const Ipv6Addr& dst, std::uint8_t route_prefix_len, Instant now) {
  if (!is_limited_type6(type)) return IcmpRateVerdict::allowed;  // icmpv6_mask_allow()
  const std::int64_t now_ms = to_ms(now);
  if (!global_allow(now_ms)) return IcmpRateVerdict::limited_global;
  // icmpv6_xrlim_allow(): "give more bandwidth to wider prefixes".
  std::int64_t interval = ratelimit6_ms_;
  if (route_prefix_len < 128) interval >>= (128 - route_prefix_len) >> 5;
  if (!peer_allow({dst, true}, interval, now_ms)) return IcmpRateVerdict::limited_peer;
  --credit_;
  return IcmpRateVerdict::allowed;
}

bool IcmpRateLimiter::global_allow(std::int64_t now_ms) {
  if (credit_ > 0) return true;
  // delta = min(now - stamp, HZ); a clock that went backwards counts as no time.
  const std::int64_t delta = stamp_ ? std::clamp<std::int64_t>(now_ms - *stamp_, 0, kHz) : kHz;
  if (delta < kHz / 50) return false;
  const std::int64_t incr = rate_per_sec_ * delta / kHz;
  if (incr == 0) return false;
  stamp_ = now_ms;
  credit_ = static_cast<int>(std::min<std::int64_t>(credit_ + incr, burst_));
  // Linux answers yes after a refill even if the burst cap left no credit.
  return true;
}

bool IcmpRateLimiter::peer_allow(const PeerKey& dst, std::int64_t interval_ms, std::int64_t now_ms) {
  Peer* peer = nullptr;
  for (std::size_t i = 0; i < used_; ++i) {
    if (peers_[i].key == dst) {
      peer = &peers_[i];
      break;
    }
  }
  if (peer == nullptr) {
    if (used_ < peers_.size()) {
      peer = &peers_[used_++];
    } else {
      peer = &*std::min_element(peers_.begin(), peers_.end(),
                                [](const Peer& a, const Peer& b) { return a.last_use < b.last_use; });
    }
    *peer = Peer{dst, now_ms - kNewPeerAgeMs, 0, 0};
  }
  peer->last_use = ++use_clock_;

  // inet_peer_xrlim_allow()
  std::int64_t token = peer->tokens + std::max<std::int64_t>(now_ms - peer->rate_last, 0);
  peer->rate_last = now_ms;
  token = std::min(token, kBurstFactor * interval_ms);
  bool allowed = false;
  if (token >= interval_ms) {
    token -= interval_ms;
    allowed = true;
  }
  peer->tokens = token;
  return allowed;
}

}  // namespace tapstack
