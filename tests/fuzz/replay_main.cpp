// Replays inputs through a fuzz target without libFuzzer, so that the normal
// test build (any compiler, any sanitizer) checks every seed and every crash
// reproducer in tests/fuzz/corpus against today's code: the regression tests
// of what fuzzing found.
//
//   fuzz_replay_<name> FILE_OR_DIR...   exit 0 when every input passed
//
// A failing input aborts (as under libFuzzer), which fails the test. Outside
// AddressSanitizer the address space is capped, so an input that makes a
// reader allocate far more than it holds fails here instead of thrashing.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// libFuzzer's -rss_limit_mb in scripts/test is 2048; allow the same plus the
// process's own mappings. (ASan reserves terabytes of shadow: no cap there.)
constexpr rlim_t kAddressSpaceLimit = rlim_t{4} << 30;

std::vector<std::filesystem::path> inputs(const std::filesystem::path& arg) {
  if (!std::filesystem::is_directory(arg)) return {arg};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(arg)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (!kAddressSanitizer) {
    const rlimit limit{kAddressSpaceLimit, kAddressSpaceLimit};
    setrlimit(RLIMIT_AS, &limit);
  }
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& path : inputs(argv[i])) {
      std::ifstream in(path, std::ios::binary);
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
      std::fprintf(stderr, "replaying %s\n", path.c_str());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::fprintf(stderr, "replayed %zu inputs\n", replayed);
  return replayed > 0 ? 0 : 1;  // an empty corpus is a broken test, not a pass
}
