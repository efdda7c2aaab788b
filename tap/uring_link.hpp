#pragma once
// The TUN/TAP interface as a Link driven by io_uring (`run --io uring`): the replies the stack
// emitted and the reads of the next frames go to the kernel in one io_uring_enter, which also
// waits for a frame. With one request in flight that is one system call per reply where
// read/write pays four (epoll_wait, read, write, the read that finds the queue empty); under a
// flood several reads are in flight, so one enter returns several frames and sends several
// replies.
//
// The loop's other descriptors (timerfd, signalfd, control socket) are watched by one-shot poll
// requests in the same ring, re-armed by each wait(): readiness is level-triggered as with epoll,
// and a timer or a signal ends the same wait. Buffers are made once, at construction: the frame
// path allocates nothing.
#include "link/link.hpp"
#include "tap/epoll.hpp"
#include "tap/tun_device.hpp"
#include "tap/tun_link.hpp"

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

struct io_uring;
struct io_uring_sqe;

namespace tapstack {

class UringLink final : public Link {
 public:
  // Frames out are copied into registered slots of max_frame_len bytes (the MTU and the link
  // header). A wait() that read a frame reports device_token. Throws SetupError (event_loop).
  UringLink(TunDevice& device, std::size_t max_frame_len, std::uint64_t device_token);
  ~UringLink() override;
  UringLink(const UringLink&) = delete;
  UringLink& operator=(const UringLink&) = delete;

  // The frames the reads completed, oldest first, each valid until the next receive() or wait()
  // (its buffer is then read into again); nullopt when none is left.
  std::optional<ReceivedFrame> receive() override;
  // Queues the frame's write; it reaches the kernel with the next wait() (or at once when
  // every slot is taken).
  void emit(Bytes frame, Instant now) override;

  // Watches fd for input; token comes back from wait(). At most kMaxWatched, before seal().
  void watch(int fd, std::uint64_t token);
  // Limits the ring to reads, writes, polls and cancelling them (io_uring's own operations are
  // not seen by seccomp: no open, socket or connect through it either), and starts it. Once,
  // after watch() and before the privilege drop. Throws SetupError.
  void seal();

  // Submits the queued writes and the reads, and sleeps until a frame arrives or a watched
  // descriptor is readable; returns what is ready, valid until the next call. With spin_until,
  // first polls the completion queue, without a system call, until then (--busy-poll).
  std::span<const ReadyEvent> wait(std::optional<Instant> spin_until);

  int read_error() const { return read_error_; }
  const TunLinkStats& stats() const { return stats_; }

 private:
  static constexpr std::size_t kTxSlots = 32;
  // Reads in flight, as one chain (submit_reads): frames one io_uring_enter can return.
  static constexpr std::size_t kRxBuffers = 16;
  static constexpr std::size_t kMaxWatched = 6;

  struct Watched {
    int fd = -1;
    std::uint64_t token = 0;
    bool pending = false;  // its poll request is in the ring
  };

  // What each receive buffer is doing; one is lent to the caller at a time.
  enum class RxState : std::uint8_t { idle, reading, full, lent };

  io_uring_sqe* next_sqe();
  std::byte* rx_buffer(std::size_t buffer) const;
  void submit_reads();
  void submit_polls();
  // Submits what is queued; with wait_for_one, sleeps until a completion other than a write's
  // arrives.
  void enter(bool wait_for_one);
  void reap();
  void on_read(std::size_t buffer, int result, Instant now);
  bool any_poll_pending() const;
  void add_ready(ReadyEvent event);
  void on_written(std::size_t slot, int result);

  TunDevice& device_;
  std::uint64_t device_token_;
  std::unique_ptr<io_uring> ring_;  // liburing's state, kept out of this header
  std::size_t slot_len_;
  // kRxBuffers buffers of the largest frame, never written by us: a page becomes resident only
  // when a frame lands in it, so sixteen 64 KiB buffers cost small frames a page each.
  std::unique_ptr<std::byte[]> rx_buffers_;
  std::array<RxState, kRxBuffers> rx_state_{};
  std::array<std::uint32_t, kRxBuffers> rx_len_{};
  std::array<Instant, kRxBuffers> rx_at_{};
  // Full buffers in the order their reads completed, which is the order the frames left the
  // TAP's queue (see on_read): a ring of kRxBuffers.
  std::array<std::uint8_t, kRxBuffers> rx_fifo_{};
  std::size_t rx_head_ = 0;
  std::size_t rx_count_ = 0;
  std::size_t reads_pending_ = 0;
  std::optional<std::size_t> lent_;
  std::vector<std::byte> tx_buffers_;  // kTxSlots slots of slot_len_
  std::bitset<kTxSlots> tx_busy_;
  std::array<Watched, kMaxWatched> watched_{};
  std::size_t watched_count_ = 0;
  std::array<ReadyEvent, kMaxWatched + 1> ready_{};
  std::size_t ready_count_ = 0;
  TunLinkStats stats_;
  int read_error_ = 0;
};

}  // namespace tapstack
