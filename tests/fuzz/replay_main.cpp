// A main() for the coverage build (coverage.sh): runs LLVMFuzzerTestOneInput once on every file
// named, or found in a directory named, as libFuzzer does with -runs=0, without libFuzzer (whose
// own instrumentation would only get in the way of the coverage counters). Arguments that start
// with '-' are ignored, so the same command lines work for both builds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::size_t run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // An exactly sized heap buffer, as libFuzzer passes it.
  std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("-")) continue;
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg, ec))
        if (entry.is_regular_file()) runs += run_file(entry.path());
    } else if (std::filesystem::is_regular_file(arg, ec)) {
      runs += run_file(arg);
    } else {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], arg.c_str());
      return 1;
    }
  }
  std::printf("%s: ran %zu inputs\n", argv[0], runs);
  return 0;
}
