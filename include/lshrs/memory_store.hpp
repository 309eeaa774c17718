// lshrs — an in-process BucketStore.
//
// Keeps buckets, signatures and meta in this process's memory: the default
// store of an Index built without one, for single-process use, notebooks,
// tests of the core and the CLI's `--store memory`. It follows the same
// contract as RedisStore (store.hpp), update-moves and all, but nothing
// survives the process.
//
// Thread safety: every method may be called concurrently (a reader-writer
// lock guards all state; queries share it, writes take it exclusively).
#pragma once

#include "lshrs/export.hpp"
#include <memory>

#include "lshrs/store.hpp"

namespace lshrs {

class LSHRS_API MemoryStore : public BucketStore {
 public:
  MemoryStore();
  ~MemoryStore() override;

  std::string describe() const override { return "memory"; }

 protected:
  // Protected, not private: a test store may derive to inject failures.
  void do_add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& sigs, std::span<const RecordExtras> extras) override;
  std::vector<std::optional<IdRecord>> do_records(std::string_view prefix, const StoreLayout& layout,
                                                  std::span<const std::int64_t> ids) override;
  std::vector<std::vector<std::int64_t>> do_members(std::string_view prefix,
                                                    std::span<const BucketRef> buckets) override;
  std::size_t do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                        std::span<const std::int64_t> ids) override;
  std::size_t do_clear(std::string_view prefix) override;
  std::optional<std::string> do_load_meta(std::string_view prefix) override;
  bool do_store_meta_if_absent(std::string_view prefix, std::string_view meta) override;
  StoreStats do_stats(std::string_view prefix) override;
  std::vector<std::string> do_sample_keys(std::string_view prefix, KeyClass which,
                                          std::size_t limit) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lshrs
