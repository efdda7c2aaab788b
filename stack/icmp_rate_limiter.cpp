#include "stack/icmp_rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace tapstack {
namespace {

constexpr std::int64_t kHz = 1000;              // ticks per second: milliseconds
constexpr std::uint8_t kNrIcmpTypes = 18;       // NR_ICMP_TYPES
constexpr std::int64_t kNewPeerAgeMs = 60'000;  // inet_getpeer(): rate_last = jiffies - 60*HZ

std::int64_t to_ms(Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

IcmpRateLimiter::IcmpRateLimiter(const IcmpConfig& config, std::size_t max_peers)
    : ratemask_(config.ratemask),
      ratelimit_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(config.ratelimit).count()),
      rate_per_sec_(config.global_rate_per_sec),
      burst_(config.global_burst),
      peers_(std::max<std::size_t>(max_peers, 1)) {}

bool IcmpRateLimiter::is_limited_type(IcmpType type, std::uint8_t code) const {
  const auto t = std::to_underlying(type);
  if (t > kNrIcmpTypes) return false;
  // "Don't limit PMTU discovery."
  if (type == IcmpType::dest_unreachable && code == static_cast<std::uint8_t>(UnreachableCode::frag_needed)) {
    return false;
  }
  return ((std::uint32_t{1} << t) & ratemask_) != 0;
}

IcmpRateVerdict IcmpRateLimiter::check(IcmpType type, std::uint8_t code, Ipv4Addr dst, Instant now) {
  if (!is_limited_type(type, code)) return IcmpRateVerdict::allowed;
  const std::int64_t now_ms = to_ms(now);
  if (!global_allow(now_ms)) return IcmpRateVerdict::limited_global;
  if (!peer_allow(dst, now_ms)) return IcmpRateVerdict::limited_peer;
  --credit_;  // icmp_global_consume(): Linux takes get_random_u32_below(3), mean 1
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

bool IcmpRateLimiter::peer_allow(Ipv4Addr dst, std::int64_t now_ms) {
  Peer* peer = nullptr;
  for (std::size_t i = 0; i < used_; ++i) {
    if (peers_[i].addr == dst) {
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
  token = std::min(token, kBurstFactor * ratelimit_ms_);
  bool allowed = false;
  if (token >= ratelimit_ms_) {
    token -= ratelimit_ms_;
    allowed = true;
  }
  peer->tokens = token;
  return allowed;
}

}  // namespace tapstack
