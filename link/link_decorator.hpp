#pragma once
// The base of every decorator: a Link that wraps another and, unless it overrides a direction,
// passes it straight through. A decorator with timers of its own combines its deadline with the
// inner link's (earliest()) and forwards on_timer().
#include "link/link.hpp"

namespace tapstack {

class LinkDecorator : public Link {
 public:
  explicit LinkDecorator(Link& inner) : inner_(inner) {}
  LinkDecorator(const LinkDecorator&) = delete;
  LinkDecorator& operator=(const LinkDecorator&) = delete;

  std::optional<ReceivedFrame> receive() override { return inner_.receive(); }
  void emit(Bytes frame, Instant now) override { inner_.emit(frame, now); }
  std::optional<Instant> next_deadline() const override { return inner_.next_deadline(); }
  void on_timer(Instant now) override { inner_.on_timer(now); }

 protected:
  Link& inner() { return inner_; }
  const Link& inner() const { return inner_; }

 private:
  Link& inner_;
};

}  // namespace tapstack
