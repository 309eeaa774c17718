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
    // Empty while no buffered row has attributes (the common case costs
    // nothing), else one per id.
    std::vector<RecordExtras> extras;

    // Appends rows (`more`: empty, or one per id).
    void append(std::span<const std::int64_t> more_ids, std::span<const std::uint8_t> more_signatures,
                std::vector<RecordExtras> more) {
      const bool with_extras = !more.empty() || !extras.empty();
      if (with_extras) extras.resize(ids.size());  // the rows before these had none
      ids.insert(ids.end(), more_ids.begin(), more_ids.end());
      signatures.insert(signatures.end(), more_signatures.begin(), more_signatures.end());
      if (!with_extras) return;
      if (more.empty()) {
        extras.resize(ids.size());
      } else {
        extras.insert(extras.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
    }
    // Appends row i of `from`, whose rows are `width` bytes.
    void append_row(Buffer& from, std::size_t i, std::size_t width) {
      std::vector<RecordExtras> e;
      if (!from.extras.empty()) e.push_back(std::move(from.extras[i]));
      append(std::span(&from.ids[i], 1), std::span(from.signatures).subspan(i * width, width), std::move(e));
    }
    // Appends every row of `from`.
    void append_all(Buffer& from) { append(from.ids, from.signatures, std::move(from.extras)); }
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
