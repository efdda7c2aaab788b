#include "stack/reassembly.hpp"

#include "stack/wire/checksum.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace tapstack {
namespace {

// The furthest a fragment can reach in either family: IPv4's largest offset plus its largest
// payload (an IPv6 fragment reaching beyond 65535 is refused before it gets here).
constexpr std::size_t kMaxEnd = std::size_t{kIpv4FragOffsetMask} * 8 + (kIpv4MaxDatagramLen - kIpv4MinHeaderLen);
constexpr std::size_t kUnits = (kMaxEnd + 7) / 8;  // 8-byte units, RFC 791's fragment blocks
constexpr std::size_t kBitmapWords = (kUnits + 63) / 64;

// IPv4's shape: the first fragment's header is stored so that it ends where the payload starts,
// making the reassembled datagram one contiguous span.
constexpr FragmentLimits ipv4_limits(unsigned max_dist) {
  return {kIpv4MaxHeaderLen, kIpv4MaxDatagramLen - kIpv4MinHeaderLen, max_dist};
}

FragmentKey ipv4_key(Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol, std::uint16_t ident) {
  FragmentKey k;
  for (int i = 0; i < 4; ++i) {
    k.src[static_cast<std::size_t>(i)] = src.octet(i);
    k.dst[static_cast<std::size_t>(i)] = dst.octet(i);
  }
  k.ident = ident;
  k.protocol = static_cast<std::uint8_t>(protocol);
  return k;
}

Ipv4Addr ipv4_of(const std::array<std::uint8_t, 16>& a) { return Ipv4Addr::from_octets(a[0], a[1], a[2], a[3]); }

// ip_frag_ecn_table (inet_fragment.c): index = OR of 1 << (tos & 3) over the fragments;
// 0xff = invalid mix (drop), otherwise the bits to OR into the reassembled TOS.
constexpr std::uint8_t kEcnNotEct = 0x01, kEcnEct1 = 0x02, kEcnEct0 = 0x04, kEcnCe = 0x08;
constexpr std::array<std::uint8_t, 16> kEcnTable = [] {
  std::array<std::uint8_t, 16> t{};
  t[kEcnCe | kEcnEct0] = 3;
  t[kEcnCe | kEcnEct1] = 3;
  t[kEcnCe | kEcnEct0 | kEcnEct1] = 3;
  for (std::uint8_t i = 0; i < 16; ++i) {
    if ((i & kEcnNotEct) != 0 && i != kEcnNotEct) t[i] = 0xff;
  }
  return t;
}();

// Bit ranges [a, b) over a bitmap of 64-bit words.
std::uint64_t word_mask(std::size_t lo, std::size_t hi) {  // bits lo..hi-1 of one word, 0 <= lo < hi <= 64
  const std::uint64_t upper = hi == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << hi) - 1;
  return upper & ~((std::uint64_t{1} << lo) - 1);
}

template <class F>
void for_each_word(std::size_t a, std::size_t b, F&& f) {
  for (std::size_t w = a / 64; a < b; ++w) {
    const std::size_t hi = std::min(b, (w + 1) * 64);
    if (!f(w, word_mask(a - w * 64, hi - w * 64))) return;
    a = hi;
  }
}

bool any_set(const std::uint64_t* bm, std::size_t a, std::size_t b) {
  bool any = false;
  for_each_word(a, b, [&](std::size_t w, std::uint64_t m) {
    any = (bm[w] & m) != 0;
    return !any;
  });
  return any;
}

bool all_set(const std::uint64_t* bm, std::size_t a, std::size_t b) {
  bool all = true;
  for_each_word(a, b, [&](std::size_t w, std::uint64_t m) {
    all = (bm[w] & m) == m;
    return all;
  });
  return all;
}

void set_range(std::uint64_t* bm, std::size_t a, std::size_t b) {
  for_each_word(a, b, [&](std::size_t w, std::uint64_t m) {
    bm[w] |= m;
    return true;
  });
}

}  // namespace

FragmentQueues::FragmentQueues(std::size_t max_bytes, Duration timeout, const FragmentLimits& limits,
                               TimerWatch* watch)
    : timeout_(timeout),
      limits_(limits),
      slots_(std::max<std::size_t>(max_bytes / kSlotBytes, 1)),
      timers_(watch) {
  free_.reserve(slots_.size());
  for (std::size_t i = slots_.size(); i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
  // Every slot's storage is taken now, so no fragment ever allocates. It is two blocks, not two
  // per slot, and neither is initialised: pages nobody writes to are never backed by memory. (A
  // block per slot put malloc's chunk header, and so a resident page, in every slot; the bitmaps
  // zeroed here were most of the rest: together a sixteenth of `run`'s memory.) A queue clears
  // the bitmap words it is about to use (insert).
  const std::size_t buffer_len = limits_.header_room + limits_.payload_capacity;
  buffers_ = std::make_unique_for_overwrite<std::byte[]>(slots_.size() * buffer_len);
  bitmaps_ = std::make_unique_for_overwrite<std::uint64_t[]>(slots_.size() * 2 * kBitmapWords);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].buffer = buffers_.get() + i * buffer_len;
    slots_[i].bitmaps = bitmaps_.get() + i * 2 * kBitmapWords;
  }
}

FragmentQueues::~FragmentQueues() = default;

std::uint32_t FragmentQueues::find(const FragmentKey& key) const {
  for (std::uint32_t i = head_; i != kNone; i = slots_[i].next) {
    if (slots_[i].key == key) return i;
  }
  return kNone;
}

void FragmentQueues::unlink(std::uint32_t idx) {
  Slot& s = slots_[idx];
  (s.prev == kNone ? head_ : slots_[s.prev].next) = s.next;
  (s.next == kNone ? tail_ : slots_[s.next].prev) = s.prev;
  s.prev = s.next = kNone;
}

void FragmentQueues::link_tail(std::uint32_t idx) {
  Slot& s = slots_[idx];
  s.prev = tail_;
  s.next = kNone;
  (tail_ == kNone ? head_ : slots_[tail_].next) = idx;
  tail_ = idx;
  timers_.timer_set(s.deadline);
}

void FragmentQueues::flush(Slot& s) {
  s.words_used = 0;  // the words are cleared as the next datagram reaches them (insert)
  bytes_held_ -= s.stored;
  s.len = s.meat = s.stored = s.tail_end = 0;
  s.first_in = s.last_in = false;
  s.ecn = 0;
}

std::uint32_t FragmentQueues::acquire(Instant now, bool& evicted) {
  if (free_.empty()) {
    // The memory bound: the oldest incomplete datagram makes room, silently.
    evicted = true;
    release(head_);
  }
  const std::uint32_t idx = free_.back();
  free_.pop_back();
  Slot& s = slots_[idx];
  s.active = true;
  s.deadline = now + timeout_;
  s.max_size = s.max_df_size = 0;
  s.dist = 0;
  s.first_hlen = 0;
  s.first_end = 0;
  s.first_options = {};
  link_tail(idx);
  ++active_;
  return idx;
}

void FragmentQueues::release(std::uint32_t idx) {
  Slot& s = slots_[idx];
  flush(s);
  unlink(idx);
  s.active = false;
  --active_;
  free_.push_back(idx);
}

FragmentQueues::Outcome FragmentQueues::discard(std::uint32_t idx, ReassemblyStatus why, Outcome r) {
  release(idx);
  r.status = why;
  return r;
}

FragmentQueues::Outcome FragmentQueues::insert(const FragmentKey& key, const FragmentPiece& piece, Instant now) {
  Outcome r;
  const std::size_t offset = piece.offset;
  const std::size_t end = offset + piece.data.size();
  const bool more = piece.more;
  if (end > kMaxEnd || piece.header.size() > limits_.header_room) {  // the family's checks failed: refuse
    r.status = ReassemblyStatus::inconsistent;
    return r;
  }

  std::uint32_t idx = find(key);

  // ip_frag_too_far(): each fragment from a source advances that source's counter; a datagram
  // whose own fragments are more than max_dist apart (counting fragments of other datagrams from
  // the same source in between) is restarted.
  bool too_far = false;
  const unsigned max_dist = limits_.max_dist;
  if (max_dist != 0) {
    for (std::uint32_t i = head_; i != kNone; i = slots_[i].next) {
      if (i != idx && slots_[i].key.src == key.src && slots_[i].dist < max_dist) ++slots_[i].dist;
    }
    if (idx != kNone) {
      Slot& s = slots_[idx];
      too_far = s.tail_end != 0 && s.dist + 1 > max_dist;
      s.dist = 0;
    }
  }

  if (idx == kNone) {
    // Linux creates the queue and then discards it; skipping that keeps us from evicting for it.
    if (end == offset) {
      r.status = ReassemblyStatus::inconsistent;
      return r;
    }
    idx = acquire(now, r.evicted);
    slots_[idx].key = key;
  } else if (too_far) {
    // ip_frag_reinit(): drop what was held, keep the queue, restart its timer.
    Slot& s = slots_[idx];
    flush(s);
    s.deadline = now + timeout_;
    unlink(idx);
    link_tail(idx);
    r.restarted = true;
  }
  Slot& q = slots_[idx];

  // The datagram's end.
  if (!more) {
    if (end < q.len || (q.last_in && end != q.len)) return discard(idx, ReassemblyStatus::inconsistent, r);
    q.last_in = true;
    q.len = end;
  } else if (end > q.len) {
    if (q.last_in) return discard(idx, ReassemblyStatus::inconsistent, r);
    q.len = end;
  }
  if (end == offset) return discard(idx, ReassemblyStatus::inconsistent, r);

  // inet_frag_queue_insert(), on 8-byte units. Runs start at fragment offsets (multiples of 8);
  // only the highest run can end mid-unit (at the last fragment's end), and nothing can be
  // placed after it, so "inside one run" is "every unit covered, no run start after the first".
  std::uint64_t* covered = q.bitmaps;
  std::uint64_t* run_start = covered + kBitmapWords;
  const std::size_t u0 = offset / 8;
  const std::size_t u1 = (end + 7) / 8;
  // Words past words_used hold whatever an earlier datagram (or the allocator) left there.
  if (const std::size_t words = (u1 + 63) / 64; words > q.words_used) {
    std::fill(covered + q.words_used, covered + words, std::uint64_t{0});
    std::fill(run_start + q.words_used, run_start + words, std::uint64_t{0});
    q.words_used = words;
  }
  if (q.tail_end == 0) {
    set_range(run_start, u0, u0 + 1);  // the first fragment: a new run
  } else if (q.tail_end < end) {
    // The common case: past the highest fragment. Touching it is an overlap; adjoining it
    // extends its run; a gap starts a new run.
    if (offset < q.tail_end) return discard(idx, ReassemblyStatus::overlap, r);
    if (offset != q.tail_end) set_range(run_start, u0, u0 + 1);
  } else {
    if (any_set(covered, u0, u1)) {
      if (all_set(covered, u0, u1) && !any_set(run_start, u0 + 1, u1)) {
        r.status = ReassemblyStatus::duplicate;
        return r;
      }
      return discard(idx, ReassemblyStatus::overlap, r);
    }
    set_range(run_start, u0, u0 + 1);
  }
  set_range(covered, u0, u1);
  q.tail_end = std::max(q.tail_end, end);

  const std::size_t capacity = limits_.payload_capacity;
  std::byte* const payload_start = q.buffer + limits_.header_room;
  if (offset < capacity) {
    const std::size_t stored = std::min(end, capacity) - offset;
    copy_bytes(MutableBytes{payload_start, capacity}.subspan(offset), piece.data.first(stored));
    q.stored += stored;
    bytes_held_ += stored;
  }
  q.meat += end - offset;
  q.ecn |= static_cast<std::uint8_t>(1u << (piece.ecn & 3u));
  if (offset == 0) {
    q.first_in = true;
    q.first_hlen = piece.header.size();
    q.first_end = end;
    q.first_options = piece.options;
    copy_bytes(MutableBytes{payload_start - piece.header.size(), piece.header.size()}, piece.header);
  }
  const std::size_t fragsize = end - offset + piece.header.size();
  q.max_size = std::max(q.max_size, fragsize);
  if (piece.dont_fragment && fragsize > q.max_df_size) q.max_df_size = fragsize;

  if (q.first_in && q.last_in && q.meat == q.len) return reassemble(idx, r);
  r.status = ReassemblyStatus::held;
  return r;
}

FragmentQueues::Outcome FragmentQueues::reassemble(std::uint32_t idx, Outcome r) {
  Slot& q = slots_[idx];
  const std::uint8_t ecn = kEcnTable[q.ecn];
  if (ecn == 0xff) return discard(idx, ReassemblyStatus::ecn_mismatch, r);
  // More payload than any valid datagram has: the family's own size rule would refuse it too.
  if (q.len > limits_.payload_capacity) return discard(idx, ReassemblyStatus::oversize, r);

  r.status = ReassemblyStatus::complete;
  r.datagram = MutableBytes{q.buffer + limits_.header_room - q.first_hlen, q.first_hlen + q.len};
  r.header_len = q.first_hlen;
  r.ecn = ecn;
  r.dont_fragment = q.max_df_size == q.max_size;
  r.options = q.first_options;
  release(idx);  // the buffer stays untouched until a later call reuses the slot
  return r;
}

std::optional<FragmentQueues::Expired> FragmentQueues::pop_expired(Instant now) {
  if (head_ == kNone || slots_[head_].deadline > now) return std::nullopt;
  const std::uint32_t idx = head_;
  const Slot& s = slots_[idx];
  Expired e;
  e.key = s.key;
  if (s.first_in) {
    e.first_fragment = Bytes{s.buffer + limits_.header_room - s.first_hlen, s.first_hlen + s.first_end};
    e.options = s.first_options;
  }
  release(idx);
  return e;
}

Reassembler::Reassembler(const ReassemblyConfig& config, unsigned max_dist, TimerWatch* watch)
    : queues_(config.max_bytes, config.timeout, ipv4_limits(max_dist), watch) {}

ReassemblyResult Reassembler::on_fragment(const Ipv4View& frag, Instant now, const FragmentMeta& meta) {
  ReassemblyResult r;
  if (!frag.is_fragment()) {
    r.status = ReassemblyStatus::not_a_fragment;
    return r;
  }
  const Bytes payload = frag.payload();
  const std::size_t offset = frag.frag_offset();
  const bool more = frag.more_fragments();
  // ip_frag_queue(): a non-last fragment is trimmed to a multiple of 8 rather than refused.
  std::size_t end = offset + payload.size();
  if (more) end &= ~std::size_t{7};

  FragmentPiece piece;
  piece.header = meta.header.size() == frag.header_len() ? meta.header : frag.header();
  piece.data = payload.first(end - offset);
  piece.offset = offset;
  piece.more = more;
  piece.ecn = frag.tos() & 3u;
  piece.dont_fragment = frag.dont_fragment();
  piece.options = meta.options;
  const FragmentQueues::Outcome o =
      queues_.insert(ipv4_key(frag.src(), frag.dst(), frag.protocol(), frag.ident()), piece, now);
  r.status = o.status;
  r.evicted = o.evicted;
  r.restarted = o.restarted;
  if (o.status != ReassemblyStatus::complete) return r;

  // ip_frag_reasm(): the first fragment's header length plus the payload must fit a datagram.
  const std::size_t total = o.datagram.size();
  if (total > kIpv4MaxDatagramLen) {
    r.status = ReassemblyStatus::oversize;
    return r;
  }
  const MutableBytes datagram = o.datagram;
  store_be16(datagram, ipv4_field::total_len, static_cast<std::uint16_t>(total));
  // DF only if the largest fragment carried it (so a forwarder would not build a DF packet
  // larger than what the sender sent); MF, offset and the reserved bit cleared.
  store_be16(datagram, ipv4_field::flags_frag, o.dont_fragment ? kIpv4FlagDontFragment : 0);
  store_u8(datagram, ipv4_field::tos, static_cast<std::uint8_t>(load_u8(datagram, ipv4_field::tos) | o.ecn));
  store_be16(datagram, ipv4_field::checksum, 0);
  store_be16(datagram, ipv4_field::checksum, internet_checksum(datagram.first(o.header_len)));
  r.datagram = datagram;
  r.options = o.options;
  return r;
}

std::optional<ExpiredDatagram> Reassembler::pop_expired(Instant now) {
  auto e = queues_.pop_expired(now);
  if (!e) return std::nullopt;
  ExpiredDatagram d;
  d.src = ipv4_of(e->key.src);
  d.dst = ipv4_of(e->key.dst);
  d.protocol = IpProtocol{e->key.protocol};
  d.ident = static_cast<std::uint16_t>(e->key.ident);
  d.first_fragment = e->first_fragment;
  d.options = e->options;
  return d;
}

}  // namespace tapstack
