#include "tap/epoll.hpp"

#include "tap/errors.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace tapstack {
namespace {

[[noreturn]] void fail(int err, const char* action) {
  throw SetupError(SetupFailure{SetupStep::event_loop, err, action, {}, {}});
}

}  // namespace

Epoll::Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!fd_) fail(errno, "cannot create an epoll instance");
}

void Epoll::add(int fd, std::uint64_t token, Interest interest) {
  epoll_event ev{};
  ev.events = interest == Interest::input ? EPOLLIN : EPOLLIN | EPOLLOUT;
  ev.data.u64 = token;
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) fail(errno, "cannot watch a descriptor with epoll");
}

void Epoll::modify(int fd, std::uint64_t token, Interest interest) {
  epoll_event ev{};
  ev.events = interest == Interest::input ? EPOLLIN : EPOLLIN | EPOLLOUT;
  ev.data.u64 = token;
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) fail(errno, "cannot watch a descriptor with epoll");
}

std::span<const ReadyEvent> Epoll::wait(std::optional<std::chrono::milliseconds> timeout) {
  std::array<epoll_event, std::tuple_size_v<decltype(ready_)>> events;
  const int ms = timeout ? static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(timeout->count(), 0, INT_MAX)) : -1;
  const int n = ::epoll_wait(fd_.get(), events.data(), static_cast<int>(events.size()), ms);
  if (n < 0) {
    if (errno == EINTR) return {};
    fail(errno, "epoll_wait failed");
  }
  for (int i = 0; i < n; ++i) {
    const auto& e = events[static_cast<std::size_t>(i)];
    ready_[static_cast<std::size_t>(i)] = {e.data.u64, (e.events & (EPOLLERR | EPOLLHUP)) != 0};
  }
  return std::span<const ReadyEvent>(ready_).first(static_cast<std::size_t>(n));
}

}  // namespace tapstack
