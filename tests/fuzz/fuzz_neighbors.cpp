// Fuzzes the CLI's ground-truth readers (`lshrs bench --truth`): the same
// bytes as an int32/int64/float .npy and as an .ivecs file. Property: an
// accepted .npy holds rows of one length, within what the file can hold.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "matrix_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = lshrs::fuzz::as_view(data, size);
  for (const char* name : {"truth.npy", "truth.ivecs"}) {
    const auto path = lshrs::fuzz::write_scratch(name, bytes);
    try {
      const auto rows = lshrs::cli::load_neighbors(path);
      std::size_t values = 0;
      for (const auto& row : rows) {
        lshrs::fuzz::require(row.size() == rows.front().size() || path.extension() == ".ivecs",
                             "ragged .npy ground truth");
        values += row.size();
      }
      lshrs::fuzz::require(values * 4 <= size, "more values than the file can hold");
    } catch (const lshrs::Error& e) {
      lshrs::fuzz::require_one_line(e.what());
    }
  }
  return 0;
}
