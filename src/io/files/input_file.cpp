// lshrs/files.hpp's checks for the inputs no reader of this folder opens
// (JSON queries, id lists, ground truth): the rule of util/regular_file.hpp,
// offered to front ends through the public API.
#include <filesystem>
#include <string>
#include <string_view>

#include "lshrs/files.hpp"
#include "util/regular_file.hpp"

namespace lshrs {

std::string read_input_file(const std::filesystem::path& path, std::size_t max_bytes,
                            std::string_view hint) {
  return util::read_regular_file(path, max_bytes, hint);
}

void check_input_file(const std::filesystem::path& path, std::string_view hint) {
  util::open_regular_file(path, hint);
}

}  // namespace lshrs
