#include "tap/uring_link.hpp"

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tap/clock.hpp"
#include "tap/errors.hpp"

#include <liburing.h>
#include <spdlog/spdlog.h>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace tapstack {
namespace {

// The same receive buffer as TunLink's: a 65535-byte datagram, an Ethernet header, a VLAN tag.
constexpr std::size_t kFrameBufferLen = kIpv4MaxDatagramLen + kEthernetHeaderLen + kVlanTagLen;

// Submission entries queued between two enters at most: a write per slot, a read per receive
// buffer and a poll per watched descriptor (32 + 16 + 6), with room for the cancel.
constexpr unsigned kRingEntries = 64;

// user_data of each request: a read (its buffer above kReadBase), a watched descriptor's poll
// (its index above kPollBase), a write (its slot above kWriteBase).
constexpr std::uint64_t kReadBase = 1;
constexpr std::uint64_t kPollBase = 32;
constexpr std::uint64_t kWriteBase = 64;

// The transmit slots are one registered buffer (io_uring_register_buffers). The receive buffers
// are not: registering pins every page, and sixteen frames of 64 KiB would be a megabyte resident.
constexpr int kTxBufferIndex = 0;

[[noreturn]] void fail(int err, const std::string& action) {
  throw SetupError(SetupFailure{SetupStep::event_loop, err, action, {}, {}});
}

}  // namespace

UringLink::UringLink(TunDevice& device, std::size_t max_frame_len, std::uint64_t device_token)
    : device_(device),
      device_token_(device_token),
      ring_(std::make_unique<io_uring>()),
      slot_len_(max_frame_len),
      rx_buffers_(std::make_unique_for_overwrite<std::byte[]>(kRxBuffers * kFrameBufferLen)),
      tx_buffers_(kTxSlots * max_frame_len) {
  // Disabled until seal() has restricted what it may do. One thread submits, and completions
  // are run when it waits (DEFER_TASKRUN, 6.1: no interrupt of the loop per frame); 5.19 and 6.0
  // have COOP_TASKRUN (no interrupt, completions run at the next enter), older kernels the plain
  // ring. Each refuses what it does not know with EINVAL.
  int rc = io_uring_queue_init(kRingEntries, ring_.get(),
                               IORING_SETUP_R_DISABLED | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  if (rc == -EINVAL)
    rc = io_uring_queue_init(kRingEntries, ring_.get(), IORING_SETUP_R_DISABLED | IORING_SETUP_COOP_TASKRUN);
  if (rc == -EINVAL) rc = io_uring_queue_init(kRingEntries, ring_.get(), IORING_SETUP_R_DISABLED);
  if (rc < 0)
    fail(-rc, "cannot set up io_uring for --io uring (is it disabled, e.g. kernel.io_uring_disabled?); "
              "--io readwrite works without it");
  const std::array<iovec, 1> buffers{{{tx_buffers_.data(), tx_buffers_.size()}}};
  if (rc = io_uring_register_buffers(ring_.get(), buffers.data(), buffers.size()); rc < 0) {
    io_uring_queue_exit(ring_.get());
    fail(-rc, "cannot register io_uring buffers (RLIMIT_MEMLOCK?)");
  }
}

UringLink::~UringLink() {
  // The replies still queued go out first, in the order they were emitted: the cancel below
  // would take writes with it.
  for (int turn = 0; turn < 8 && tx_busy_.any(); ++turn) {
    if (io_uring_submit_and_wait(ring_.get(), static_cast<unsigned>(tx_busy_.count())) < 0) break;
    reap();
  }
  // The pending reads hold the TAP open; a ring's teardown is asynchronous, so cancel them (and
  // the polls) and wait here, or a transient interface could outlive the process for a moment.
  // A cancelled read starts the next of its chain (a hard link survives failure): cancel again
  // until none is left.
  for (std::size_t turn = 0; turn < kRxBuffers + 8 && (reads_pending_ > 0 || any_poll_pending()); ++turn) {
    io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
    if (sqe == nullptr) break;
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, 0);
    if (io_uring_submit_and_wait(ring_.get(), 1) < 0) break;
    reap();
  }
  io_uring_queue_exit(ring_.get());
}

bool UringLink::any_poll_pending() const {
  for (std::size_t i = 0; i < watched_count_; ++i)
    if (watched_[i].pending) return true;
  return false;
}

void UringLink::watch(int fd, std::uint64_t token) {
  if (watched_count_ == kMaxWatched) fail(EMFILE, "too many descriptors for the io_uring loop");
  watched_[watched_count_++] = Watched{fd, token, false};
}

void UringLink::seal() {
  // Not registered files: the ring would hold the TAP open after we exit (its teardown is
  // asynchronous), and `tap del` right after `run` would find the interface busy.
  std::array<io_uring_restriction, 5> limits{};
  limits[0].opcode = IORING_RESTRICTION_SQE_OP;
  limits[0].sqe_op = IORING_OP_READ;
  limits[1].opcode = IORING_RESTRICTION_SQE_OP;
  limits[1].sqe_op = IORING_OP_WRITE_FIXED;
  limits[2].opcode = IORING_RESTRICTION_SQE_OP;
  limits[2].sqe_op = IORING_OP_POLL_ADD;
  limits[3].opcode = IORING_RESTRICTION_SQE_OP;
  limits[3].sqe_op = IORING_OP_ASYNC_CANCEL;
  // The one flag a request may carry: the reads' chain (submit_reads).
  limits[4].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
  limits[4].sqe_flags = IOSQE_IO_HARDLINK;
  // Debian's liburing 2.3 declares io_uring_register_restrictions and io_uring_enable_rings but
  // does not export them: the system call itself.
  const int ring_fd = ring_->ring_fd;
  if (::syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_RESTRICTIONS, limits.data(), limits.size()) < 0)
    fail(errno, "cannot restrict the io_uring loop's operations");
  if (::syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0)
    fail(errno, "cannot start the io_uring loop");
}

std::byte* UringLink::rx_buffer(std::size_t buffer) const { return rx_buffers_.get() + buffer * kFrameBufferLen; }

std::optional<ReceivedFrame> UringLink::receive() {
  // The caller is done with the frame it had: its buffer joins the next chain of reads.
  if (lent_) {
    rx_state_[*lent_] = RxState::idle;
    lent_.reset();
  }
  if (rx_count_ == 0) return std::nullopt;
  const std::size_t buffer = rx_fifo_[rx_head_];
  rx_head_ = (rx_head_ + 1) % kRxBuffers;
  --rx_count_;
  rx_state_[buffer] = RxState::lent;
  lent_ = buffer;
  return ReceivedFrame{Bytes(rx_buffer(buffer), rx_len_[buffer]), rx_at_[buffer]};
}

io_uring_sqe* UringLink::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  if (sqe == nullptr) {
    // The queue is full of writes: hand them over now and take the next entry.
    enter(false);
    sqe = io_uring_get_sqe(ring_.get());
  }
  return sqe;
}

void UringLink::emit(Bytes frame, Instant) {
  if (frame.size() > slot_len_) {
    ++stats_.write_errors;
    stats_.last_write_error = EMSGSIZE;
    return;
  }
  if (tx_busy_.all()) {
    // Writes to a TAP complete as they are submitted: after one enter, slots are free again.
    enter(false);
    reap();
    if (tx_busy_.all()) {
      ++stats_.dropped_would_block;
      return;
    }
  }
  std::size_t slot = 0;
  while (tx_busy_.test(slot)) ++slot;
  std::byte* dst = tx_buffers_.data() + slot * slot_len_;
  std::memcpy(dst, frame.data(), frame.size());
  io_uring_sqe* sqe = next_sqe();
  if (sqe == nullptr) {
    ++stats_.dropped_would_block;
    return;
  }
  io_uring_prep_write_fixed(sqe, device_.fd(), dst, static_cast<unsigned>(frame.size()), 0, kTxBufferIndex);
  io_uring_sqe_set_data64(sqe, kWriteBase + slot);
  tx_busy_.set(slot);
}

void UringLink::submit_reads() {
  // The reads go in as one chain of hard links: each runs when the one before it has
  // completed, frame or not, so at most one of them waits on the TAP's poll. Reads side by
  // side would each wait there, and every frame would wake them all (with one request in
  // flight, sixteen reads cost 1.9x the CPU per reply of one). A new chain only once the last
  // is used up: two chains would wait side by side again.
  if (reads_pending_ > 0 || read_error_ != 0) return;
  std::size_t idle = 0;
  for (const RxState state : rx_state_) idle += state == RxState::idle ? 1 : 0;
  if (idle == 0) return;
  // A chain must not be cut by a submission half-way: make room for all of it first.
  if (io_uring_sq_space_left(ring_.get()) < idle) enter(false);
  io_uring_sqe* last = nullptr;
  for (std::size_t buffer = 0; buffer < kRxBuffers; ++buffer) {
    if (rx_state_[buffer] != RxState::idle) continue;
    io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
    if (sqe == nullptr) break;
    if (last != nullptr) last->flags |= IOSQE_IO_HARDLINK;
    io_uring_prep_read(sqe, device_.fd(), rx_buffer(buffer), static_cast<unsigned>(kFrameBufferLen), 0);
    io_uring_sqe_set_data64(sqe, kReadBase + buffer);
    rx_state_[buffer] = RxState::reading;
    ++reads_pending_;
    last = sqe;
  }
}

void UringLink::submit_polls() {
  for (std::size_t i = 0; i < watched_count_; ++i) {
    Watched& w = watched_[i];
    if (w.pending) continue;
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) return;
    io_uring_prep_poll_add(sqe, w.fd, POLLIN);
    io_uring_sqe_set_data64(sqe, kPollBase + i);
    w.pending = true;
  }
}

void UringLink::enter(bool wait_for_one) {
  // Each write in flight completes (at once, at submission) with a completion of its own: wait
  // for those and one more, or the replies' completions alone would end the wait and cost a
  // second io_uring_enter per frame.
  const unsigned wait_nr = wait_for_one ? static_cast<unsigned>(tx_busy_.count()) + 1 : 0;
  const int rc = io_uring_submit_and_wait(ring_.get(), wait_nr);
  // EINTR (a stop signal), EAGAIN and EBUSY (completions to reap first) only delay the wait.
  if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) read_error_ = -rc;
}

std::span<const ReadyEvent> UringLink::wait(std::optional<Instant> spin_until) {
  // Frames reaped while writes were flushed (emit() with every slot taken), or left over by the
  // loop's read budget, are handed out before sleeping. What polls completed then is forgotten,
  // harmlessly: readiness is level-triggered, and the re-armed poll reports it again.
  ready_count_ = 0;
  if (lent_) {
    rx_state_[*lent_] = RxState::idle;
    lent_.reset();
  }
  if (rx_count_ == 0) {
    submit_reads();
    submit_polls();
    if (spin_until) {
      enter(false);
      reap();
      while (ready_count_ == 0 && read_error_ == 0 && monotonic_now() < *spin_until) {
        // With DEFER_TASKRUN a completion is only posted when we ask: a non-blocking enter.
        if ((ring_->flags & IORING_SETUP_DEFER_TASKRUN) != 0) io_uring_get_events(ring_.get());
        reap();
      }
    }
    while (ready_count_ == 0 && read_error_ == 0) {
      enter(true);
      reap();
    }
  }
  if (rx_count_ > 0) add_ready(ReadyEvent{device_token_, false});
  return {ready_.data(), ready_count_};
}

void UringLink::add_ready(ReadyEvent event) {
  for (std::size_t i = 0; i < ready_count_; ++i)
    if (ready_[i].token == event.token) return;
  if (ready_count_ < ready_.size()) ready_[ready_count_++] = event;
}

void UringLink::reap() {
  io_uring_cqe* cqe = nullptr;
  unsigned seen = 0;
  unsigned head = 0;
  std::optional<Instant> now;  // one clock read for the frames of one batch: they were all there by then
  io_uring_for_each_cqe(ring_.get(), head, cqe) {
    ++seen;
    const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
    const int res = cqe->res;
    if (tag >= kReadBase && tag < kReadBase + kRxBuffers) {
      if (res > 0 && !now) now = monotonic_now();
      on_read(tag - kReadBase, res, now.value_or(Instant{}));
    } else if (tag >= kPollBase && tag < kPollBase + watched_count_) {
      Watched& w = watched_[tag - kPollBase];
      w.pending = false;
      add_ready(ReadyEvent{w.token, res < 0 || (res & (POLLERR | POLLHUP)) != 0});
    } else if (tag >= kWriteBase && tag < kWriteBase + kTxSlots) {
      on_written(tag - kWriteBase, res);
    }
  }
  io_uring_cq_advance(ring_.get(), seen);
}

void UringLink::on_read(std::size_t buffer, int result, Instant now) {
  --reads_pending_;
  rx_state_[buffer] = RxState::idle;
  if (result <= 0) {
    if (result < 0 && result != -EAGAIN && result != -EINTR && result != -ECANCELED) read_error_ = -result;
    return;
  }
  // Several reads of one TAP in flight do not reorder its frames, so the completion queue's
  // order is the order to hand them on: the reads of a chain run one after another, and the
  // descriptor is non-blocking, so io_uring never blocks a worker thread in read(2) (where two
  // workers could race) but tries each read at once and, when the queue is empty, parks it on
  // the TAP's poll and retries it as task work, on this thread, inside io_uring_enter;
  // completions are posted in the order their reads ran. (ICMP echo would not care, but
  // reassembly, a TCP peer and a capture would see reordering.) live.uring_flood checks the
  // order end to end.
  ++stats_.frames_read;
  stats_.bytes_read += static_cast<std::uint64_t>(result);
  rx_state_[buffer] = RxState::full;
  rx_len_[buffer] = static_cast<std::uint32_t>(result);
  rx_at_[buffer] = now;
  rx_fifo_[(rx_head_ + rx_count_) % kRxBuffers] = static_cast<std::uint8_t>(buffer);
  ++rx_count_;
  add_ready(ReadyEvent{device_token_, false});
}

void UringLink::on_written(std::size_t slot, int result) {
  tx_busy_.reset(slot);
  if (result >= 0) {
    ++stats_.written;
    return;
  }
  const int err = -result;
  if (err == EAGAIN) {
    ++stats_.dropped_would_block;
    return;
  }
  // As TunLink: warn once per distinct errno, since a link that is down fails every write.
  if (err != stats_.last_write_error) {
    if (err == EIO)
      spdlog::warn("{} is down: frames to the host are dropped until it is up (`ip link set {} up`, or run with "
                   "--host-ip); further failures are counted, not logged",
                   device_.name(), device_.name());
    else
      spdlog::warn("write to {} failed: {}; further failures are counted, not logged", device_.name(),
                   std::strerror(err));
  }
  ++stats_.write_errors;
  stats_.last_write_error = err;
}

}  // namespace tapstack
