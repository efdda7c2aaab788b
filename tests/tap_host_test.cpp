// What tap/ reads about the host, from text or a temporary directory: capabilities, programs on
// a PATH, an interface that is not there.
#include "tap/capabilities.hpp"
#include "tap/interface_probe.hpp"
#include "tap/program_path.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace tapstack;
namespace fs = std::filesystem;

TEST_CASE("tap host: CapEff is read from /proc/PID/status text") {
  const std::string root = "Name:\tbash\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
                           "CapBnd:\t000001ffffffffff\n";
  CHECK(parse_effective_capabilities(root) == 0x000001ffffffffffULL);
  const std::string user = "CapPrm:\t0000000000000000\nCapEff:\t0000000000001000";  // no final newline
  CHECK(parse_effective_capabilities(user) == 0x1000);
  CHECK_FALSE(parse_effective_capabilities("Name:\tbash\nCapPrm:\t0000000000000000\n"));
  CHECK_FALSE(parse_effective_capabilities("CapEff:\tzz\n"));
  CHECK_FALSE(parse_effective_capabilities(""));
}

TEST_CASE("tap host: capabilities are bits of the effective set") {
  CHECK(has_capabilities(0x000001ffffffffffULL, {Capability::net_admin, Capability::sys_admin}));
  CHECK(has_capabilities(0x1000, {Capability::net_admin}));
  CHECK_FALSE(has_capabilities(0x1000, {Capability::net_admin, Capability::sys_admin}));
  CHECK_FALSE(has_capabilities(0, {Capability::sys_admin}));
  CHECK(has_capabilities(0, {}));
}

TEST_CASE("tap host: a program is found on a PATH only as an executable regular file") {
  std::string tmpl = (fs::temp_directory_path() / "tapstack-path.XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  const fs::path dir = tmpl;
  const fs::path empty_dir = dir / "empty";
  fs::create_directory(empty_dir);
  auto make = [&](const char* name, fs::perms perms) {
    std::ofstream(dir / name) << "#!/bin/sh\n";
    fs::permissions(dir / name, perms);
  };
  make("prog", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  make("data", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directory(dir / "subdir");

  const std::string path_list = "/nonexistent-tapstack:" + empty_dir.string() + ":" + dir.string();
  CHECK(find_program("prog", path_list) == (dir / "prog").string());
  CHECK_FALSE(find_program("data", path_list));    // not executable (not even by root: no x bit)
  CHECK_FALSE(find_program("subdir", path_list));  // a directory
  CHECK_FALSE(find_program("missing", path_list));
  CHECK_FALSE(find_program("prog", empty_dir.string()));
  CHECK_FALSE(find_program("", path_list));
  CHECK(find_program("/some/where/prog", path_list) == "/some/where/prog");  // a path: not searched
  fs::remove_all(dir);
}

TEST_CASE("tap host: the system's sh is on the default PATH") {
  CHECK(find_program("sh", "/usr/bin:/bin"));
}

TEST_CASE("tap host: an interface that is not there is not ready") {
  const InterfaceProbe probe = InterfaceProbe::open();
  CHECK_FALSE(probe.up_with_address("tapstack-none", Ipv4Addr::from_octets(10, 0, 0, 1)));
  CHECK_FALSE(probe.up_with_address("", Ipv4Addr::from_octets(10, 0, 0, 1)));
  CHECK_FALSE(probe.up_with_address("a-name-longer-than-ifnamsiz", Ipv4Addr::from_octets(10, 0, 0, 1)));
}
