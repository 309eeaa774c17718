// Fuzzes the CLI's JSON vector reader (`lshrs query -` and .json query
// files): one array of numbers, an array of arrays, or one array per line.
// Property: what is accepted is a full rows × cols matrix.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "matrix_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(lshrs::fuzz::as_view(data, size));
  try {
    const lshrs::Matrix m = lshrs::cli::parse_json_vectors(text, "-");
    lshrs::fuzz::require(m.rows > 0 && m.cols > 0, "accepted an empty matrix");
    lshrs::fuzz::require(m.data.size() == m.rows * m.cols, "matrix size != rows x cols");
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
  }
  return 0;
}
