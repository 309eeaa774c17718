// Fuzzes the .fvecs source (`lshrs index x.fvecs`): a file of records, each an
// int32 dimension and that many float32. Properties: batches are consistent,
// every row keeps its position as its id, and a file the source reads to the
// end holds exactly total_rows() records.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = lshrs::fuzz::write_scratch("vectors.fvecs", lshrs::fuzz::as_view(data, size));
  try {
    auto source = lshrs::open_fvecs_source(lshrs::FvecsOptions{path, 3});
    const auto total = source->total_rows();
    std::size_t rows = 0;
    lshrs::VectorBatch batch;
    while (source->next(batch)) {
      lshrs::fuzz::require(batch.data.size() == batch.ids.size() * batch.dim, "batch size");
      for (const auto id : batch.ids) {
        lshrs::fuzz::require(id == static_cast<std::int64_t>(rows++), "ids are not row numbers");
      }
    }
    lshrs::fuzz::require(total.has_value() && *total == rows, "total_rows() != rows read");
    lshrs::fuzz::require(rows * 4 <= size, "more rows than the file can hold");
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
  }
  return 0;
}
