#include "tap/errors.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using namespace tapstack;

namespace {

std::string line(SetupStep step, int err, std::string action = "cannot attach to TAP interface tap0",
                 std::string ifname = "tap0", std::string detail = {}) {
  return setup_failure_line(SetupFailure{step, err, std::move(action), std::move(ifname), std::move(detail)});
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("tap errors: no permission to attach gives the three ways to get it, on one line") {
  const auto l = line(SetupStep::attach_interface, EPERM);
  CHECK(contains(l, "cannot attach to TAP interface tap0: operation not permitted; needs CAP_NET_ADMIN"));
  CHECK(contains(l, "run as root"));
  CHECK(contains(l, "sudo setcap cap_net_admin=eip build/apps/tapstack"));
  CHECK(contains(l, "sudo tapstack tap add tap0 --user $USER"));
  CHECK_FALSE(contains(l, "\n"));
}

TEST_CASE("tap errors: a device node we may not open still gives the CAP_NET_ADMIN advice") {
  const auto l = line(SetupStep::open_tun_device, EACCES, "cannot create a TAP interface", "");
  CHECK(contains(l, "permission denied on /dev/net/tun"));
  CHECK(contains(l, "CAP_NET_ADMIN"));
  CHECK(contains(l, "chmod 0666 /dev/net/tun"));
}

TEST_CASE("tap errors: a missing /dev/net/tun says modprobe tun") {
  CHECK(contains(line(SetupStep::open_tun_device, ENOENT), "/dev/net/tun does not exist; load the TUN/TAP driver with `sudo modprobe tun`"));
}

TEST_CASE("tap errors: EBUSY means in use on attach, but taken on create") {
  CHECK(contains(line(SetupStep::attach_interface, EBUSY), "in use by another process"));
  const auto create = line(SetupStep::create_interface, EBUSY, "cannot create TAP interface tap0");
  CHECK(contains(create, "an interface called tap0 already exists"));
  CHECK(contains(create, "tapstack tap del tap0"));
}

TEST_CASE("tap errors: EINVAL on attach points at --mode") {
  CHECK(contains(line(SetupStep::attach_interface, EINVAL), "--mode tun"));
}

TEST_CASE("tap errors: netlink refusals are put in words, with the kernel's own text") {
  const auto exists = line(SetupStep::configure_host, EEXIST, "cannot assign 10.0.0.1/24 to tap0");
  CHECK(contains(exists, "cannot assign 10.0.0.1/24 to tap0: address already assigned"));
  const auto perm = line(SetupStep::configure_host, EPERM, "cannot set tap0 up");
  CHECK(contains(perm, "CAP_NET_ADMIN"));
  CHECK(contains(perm, "leave out --host-ip"));
  CHECK(contains(line(SetupStep::configure_host, ENODEV), "no interface called tap0"));
  const auto mtu = line(SetupStep::configure_host, EINVAL, "cannot set tap0 MTU 70000", "tap0", "mtu greater than device maximum");
  CHECK(contains(mtu, "the kernel rejected the value (kernel: mtu greater than device maximum)"));
}

TEST_CASE("tap errors: our own name check says the reason, not an errno") {
  const auto l = line(SetupStep::check_name, EINVAL, "cannot attach to TAP interface a/b", "a/b", "interface name 'a/b' contains '/'");
  CHECK(l == "cannot attach to TAP interface a/b: interface name 'a/b' contains '/'");
}

TEST_CASE("tap errors: an errno with no special meaning falls back to strerror") {
  const auto l = line(SetupStep::event_loop, EBADF, "epoll_wait failed", "");
  CHECK(l == "epoll_wait failed: bad file descriptor");
  CHECK(contains(line(SetupStep::attach_interface, EMFILE), "ulimit -n"));
}

TEST_CASE("tap errors: SetupError keeps the errno and says the line") {
  const SetupError e(SetupFailure{SetupStep::find_interface, ENODEV, "cannot find interface tap9", "tap9", {}});
  CHECK(e.error() == ENODEV);
  CHECK(e.step() == SetupStep::find_interface);
  CHECK(std::string(e.what()) == "cannot find interface tap9: no interface called tap9; list the interfaces with `ip link`");
}

TEST_CASE("tap errors: namespaces say what to do, rootless always ending in the way round through sudo") {
  const auto net = line(SetupStep::create_network_namespace, EPERM, "cannot create a network namespace", "");
  CHECK(net == "cannot create a network namespace: operation not permitted; needs CAP_SYS_ADMIN: run as root; in a "
               "container, allow it, e.g. `docker run --cap-add SYS_ADMIN --cap-add NET_ADMIN`");
  const auto user = line(SetupStep::create_user_namespace, EPERM, "cannot create a user namespace", "");
  CHECK(contains(user, "cannot create a user namespace: not permitted: unprivileged user namespaces are disabled"));
  CHECK(contains(user, "; run `sudo tapstack demo` instead"));
  const auto full = line(SetupStep::create_user_namespace, ENOSPC, "cannot create a user namespace", "");
  CHECK(contains(full, "user.max_user_namespaces reached"));
  CHECK(contains(full, "sudo sysctl user.max_user_namespaces="));
  // An errno with no words of its own still gets the advice.
  const auto other = line(SetupStep::create_user_namespace, EIO, "cannot map your user into the new user namespace", "");
  CHECK(other == "cannot map your user into the new user namespace: input/output error; run `sudo tapstack demo` instead");
}

TEST_CASE("tap errors: a program that cannot be started") {
  CHECK(line(SetupStep::start_process, ENOENT, "cannot run ping", "") == "cannot run ping: no such program; install it, or check $PATH");
  CHECK(contains(line(SetupStep::start_process, EAGAIN, "cannot start a child process", ""), "ulimit -u"));
}
