// lshrs CLI — reading whole matrices for queries and benchmarks: vectors from
// .npy, .fvecs or JSON, and ground-truth neighbour ids from .npy or .ivecs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lshrs/fetcher.hpp"
#include "lshrs/files.hpp"
#include "lshrs/source.hpp"

namespace lshrs::cli {

// Every file is a regular file (a FIFO or device is refused, never waited on)
// and bounded: JSON to lshrs::kMaxTextInputBytes (256 MiB), ground truth to
// 4 GiB; .npy and .fvecs are memory-mapped.
// A .npy, .fvecs or .json file (by extension) as a float32 matrix.
Matrix load_matrix(const std::filesystem::path& path);
// Reads rows of the data file `path` (already loaded as `m`) by id = row
// number, for reranking: the .npy file itself (memory-mapped), or for .fvecs
// (no fetcher exists) a copy of `m` in memory.
std::shared_ptr<VectorFetcher> rows_fetcher(const std::filesystem::path& path, const Matrix& m);
// Reads a whole source; ids come back in `ids` when given.
Matrix drain_source(VectorSource& source, std::vector<std::int64_t>* ids = nullptr);
// JSON text: [1, 2, 3] (one vector), [[...], [...]] (several), or one such
// array per line. InvalidArgument naming `what` on anything else.
Matrix parse_json_vectors(const std::string& text, const std::string& what);

// All of stdin, at most lshrs::kMaxTextInputBytes: InvalidArgument naming
// stdin, `what` (the flag or argument) and `hint` (what to give instead) beyond.
std::string read_stdin(const std::string& what, const std::string& hint);

// Ground truth: row i holds the ids of query i's neighbours, best first.
// .npy of int32/int64 (or integral floats), or .ivecs.
std::vector<std::vector<std::int64_t>> load_neighbors(const std::filesystem::path& path);
// Writes rows of equal length as an int64 (rows, k) .npy (load_neighbors reads it).
void save_neighbors(const std::filesystem::path& path,
                    const std::vector<std::vector<std::int64_t>>& rows);

}  // namespace lshrs::cli
