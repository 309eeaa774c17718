// Fuzzes the .npy readers: the in-memory parser (model files, npz entries) and
// the memory-mapped file readers behind `lshrs index x.npy` and `query x.npy`.
// Properties: what is accepted round-trips through write_float32 bit for bit,
// and the source, read in batches, yields the same matrix as a whole read.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "model/npy.hpp"

namespace {

void fuzz_in_memory(std::string_view bytes) {
  lshrs::npy::Header header;
  std::vector<float> values;
  try {
    values = lshrs::npy::read_float32(bytes, &header);
  } catch (const lshrs::npy::NpyError& e) {
    lshrs::fuzz::require_one_line(e.what());
    return;
  }
  lshrs::fuzz::require(values.size() == header.element_count(), "value count != shape product");
  const std::string again = lshrs::npy::write_float32(values, header.shape);
  lshrs::npy::Header header2;
  const std::vector<float> values2 = lshrs::npy::read_float32(again, &header2);
  lshrs::fuzz::require(header2.shape == header.shape, "shape changed by a round trip");
  lshrs::fuzz::require(lshrs::fuzz::same_bits(values2, values), "values changed by a round trip");
}

void fuzz_file(std::string_view bytes) {
  const auto path = lshrs::fuzz::write_scratch("vectors.npy", bytes);
  lshrs::Matrix whole;
  try {
    whole = lshrs::read_npy_matrix(path);
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    return;
  }
  lshrs::fuzz::require(whole.data.size() == whole.rows * whole.cols, "matrix size != rows x cols");
  std::vector<float> batched;
  try {  // a 1-D array reads as one row above but is refused here
    auto source = lshrs::open_npy_source(lshrs::NpyOptions{path, std::nullopt, 3});
    lshrs::VectorBatch batch;
    while (source->next(batch)) {
      lshrs::fuzz::require(batch.dim == whole.cols, "batch dim != matrix cols");
      lshrs::fuzz::require(batch.data.size() == batch.ids.size() * batch.dim, "batch size");
      batched.insert(batched.end(), batch.data.begin(), batch.data.end());
    }
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    return;
  }
  lshrs::fuzz::require(lshrs::fuzz::same_bits(batched, whole.data),
                       "batched read differs from the whole read");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = lshrs::fuzz::as_view(data, size);
  fuzz_in_memory(bytes);
  fuzz_file(bytes);
  return 0;
}
