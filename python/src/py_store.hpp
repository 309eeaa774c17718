// PyBucketStore: a BucketStore whose buckets live in a Python object with the
// original package's storage protocol — batch_add(operations),
// get_bucket(band_id, hash_val), remove_indices(indices), clear(), close() —
// such as a user's RedisStorage subclass or an in-process dict.
//
// The C++ core calls it with the GIL released; each call takes the GIL only
// while Python runs. An optional get_buckets([(band_id, hash_val), ...])
// method, when the object has one, answers a whole query in one call. The
// protocol has no `meta`: this adapter remembers the meta the index wrote for
// as long as it lives (an index over a Python object is described by its
// options alone, and the Index's lost-index check sees its own meta back).
//
// Thread safety: as safe as the Python object is; calls are serialised by the GIL.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "common.hpp"
#include "lshrs/store.hpp"

namespace lshrs::python {

class PyBucketStore final : public BucketStore {
 public:
  explicit PyBucketStore(py::object storage);

  std::string describe() const override;

 private:
  void do_add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& sigs, std::span<const RecordExtras> extras) override;
  std::vector<std::vector<std::int64_t>> do_members(std::string_view prefix,
                                                    std::span<const BucketRef> buckets) override;
  std::size_t do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                        std::span<const std::int64_t> ids) override;
  std::size_t do_clear(std::string_view prefix) override;
  std::optional<std::string> do_load_meta(std::string_view prefix) override;
  bool do_store_meta_if_absent(std::string_view prefix, std::string_view meta) override;
  StoreStats do_stats(std::string_view prefix) override;

  PyRef storage_;
  std::string name_;
  std::mutex meta_mutex_;
  std::map<std::string, std::string, std::less<>> meta_;  // guarded by meta_mutex_
};

}  // namespace lshrs::python
