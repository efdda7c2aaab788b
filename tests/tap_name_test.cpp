#include "tap/tun_device.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tapstack;

TEST_CASE("tap name: ordinary names and the kernel's %d pattern are accepted") {
  for (const char* good : {"tap0", "t", "tun7", "tap%d", "my-tap_1.2", "abcdefghijklmno"}) {
    INFO(good);
    CHECK_FALSE(interface_name_problem(good));
  }
}

TEST_CASE("tap name: IFNAMSIZ bounds the length, counting the terminating NUL") {
  CHECK_FALSE(interface_name_problem(std::string(15, 'a')));
  const auto problem = interface_name_problem(std::string(16, 'a'));
  REQUIRE(problem);
  CHECK(problem->find("too long") != std::string::npos);
  CHECK(problem->find("15") != std::string::npos);
}

TEST_CASE("tap name: what dev_valid_name() rejects is rejected before any syscall") {
  const std::vector<std::string> bad_names = {"", ".", "..", "a/b", "a b", "a:b", "a\tb", "a\nb", std::string("a\0b", 3)};
  for (const auto& bad : bad_names) {
    INFO(bad);
    CHECK(interface_name_problem(bad));
  }
}

TEST_CASE("tap name: '%' is allowed only as one %d") {
  for (const char* bad : {"tap%", "tap%s", "t%d%d", "%x"}) {
    INFO(bad);
    CHECK(interface_name_problem(bad));
  }
}
