// Internal: the state behind lshrs::Index (its pimpl), shared by
// index_open.cpp (opening), index.cpp (ingest, flush) and index_query.cpp (queries).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lshrs/band_hasher.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/store.hpp"
#include "model/meta_layout.hpp"

namespace lshrs {

struct Index::Impl {
  struct Buffer {
    std::vector<std::int64_t> ids;
    std::vector<std::uint8_t> signatures;  // ids.size() × num_bands × band_bytes
  };

  IndexConfig config;
  std::shared_ptr<const BandHasher> hasher;  // of config.family, from its registered factory
  std::shared_ptr<BucketStore> store;
  std::shared_ptr<VectorFetcher> fetcher;
  std::mutex buffer_mutex;  // guards buffer
  std::mutex flush_mutex;   // one flush at a time keeps writes ordered
  Buffer buffer;
  // Guarded by flush_mutex: <prefix>:meta as this client found or wrote it;
  // empty until the first flush when the index did not exist yet.
  std::string meta;
  // Where the store keeps signatures, as the meta says (a new index: ranges);
  // read by layout() without flush_mutex.
  std::atomic<SignatureRecords> signatures{SignatureRecords::kRanged};

  // Records the meta found or written (under flush_mutex, or while opening).
  void adopt_meta(std::string found) {
    signatures = meta_declares_signature_ranges(found) ? SignatureRecords::kRanged
                                                      : SignatureRecords::kPerId;
    meta = std::move(found);
  }
};

namespace detail {
// The index as a model (config, projections or centroids, query defaults):
// what save() writes, what its meta encodes.
Model index_model(const Index& index);
}  // namespace detail

}  // namespace lshrs
