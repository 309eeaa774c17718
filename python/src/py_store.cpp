#include "py_store.hpp"

#include "lshrs/error.hpp"

namespace lshrs::python {

namespace {

std::vector<std::int64_t> ids_of(const py::handle& bucket) {
  std::vector<std::int64_t> out;
  if (bucket.is_none()) return out;
  for (const auto& member : bucket) {
    // Members may come back as bytes/str (a Redis client without decoding).
    if (py::isinstance<py::bytes>(member) || py::isinstance<py::str>(member)) {
      out.push_back(py::int_(py::str(py::isinstance<py::bytes>(member)
                                         ? member.attr("decode")("ascii")
                                         : member))
                        .cast<std::int64_t>());
    } else {
      out.push_back(member.cast<std::int64_t>());
    }
  }
  return out;
}

std::size_t count_of(const py::object& result, std::size_t fallback) {
  return py::isinstance<py::int_>(result) ? result.cast<std::size_t>() : fallback;
}

}  // namespace

PyBucketStore::PyBucketStore(py::object storage)
    : storage_(storage),
      name_(py::str(storage.get_type().attr("__module__")).cast<std::string>() + "." +
            py::str(storage.get_type().attr("__qualname__")).cast<std::string>()) {}

void PyBucketStore::do_add(std::string_view, const StoreLayout&, std::span<const std::int64_t> ids,
                           const Signatures& sigs, std::span<const RecordExtras> extras) {
  // The original package's storage interface holds bucket memberships only.
  for (const RecordExtras& e : extras) {
    if (e.attributes || e.expires_at_ms) {
      throw InvalidArgument("the storage object " + name_ + " keeps bucket memberships only, not attributes or expiry");
    }
  }
  py::gil_scoped_acquire gil;
  py::list ops(ids.size() * sigs.num_bands);
  std::size_t k = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t b = 0; b < sigs.num_bands; ++b) {
      const auto band = sigs.band(i, b);
      ops[k++] = py::make_tuple(b, py::bytes(reinterpret_cast<const char*>(band.data()), band.size()),
                                ids[i]);
    }
  }
  storage_.get().attr("batch_add")(ops);
}

std::vector<std::vector<std::int64_t>> PyBucketStore::do_members(std::string_view,
                                                                 std::span<const BucketRef> buckets) {
  py::gil_scoped_acquire gil;
  const auto& obj = storage_.get();
  std::vector<std::vector<std::int64_t>> out;
  out.reserve(buckets.size());
  // Only a get_buckets its class defines: a MagicMock invents any attribute
  // asked of the instance, and its made-up get_buckets returns no buckets.
  if (py::hasattr(obj.get_type(), "get_buckets")) {
    py::list refs(buckets.size());
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      refs[i] = py::make_tuple(buckets[i].band, py::bytes(buckets[i].signature));
    }
    const py::object result = obj.attr("get_buckets")(refs);
    for (const auto& bucket : result) out.push_back(ids_of(bucket));
    if (out.size() != buckets.size()) {
      throw StorageError(name_ + ".get_buckets returned " + std::to_string(out.size()) +
                         " buckets for " + std::to_string(buckets.size()) + " asked");
    }
    return out;
  }
  const py::object get_bucket = obj.attr("get_bucket");
  for (const auto& ref : buckets) out.push_back(ids_of(get_bucket(ref.band, py::bytes(ref.signature))));
  return out;
}

// The Python protocol's remove_indices() finds the buckets itself.
std::size_t PyBucketStore::do_remove(std::string_view, const std::optional<StoreLayout>&,
                                     std::span<const std::int64_t> ids) {
  py::gil_scoped_acquire gil;
  py::list list(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) list[i] = ids[i];
  return count_of(storage_.get().attr("remove_indices")(list), 0);
}

std::size_t PyBucketStore::do_clear(std::string_view prefix) {
  {
    std::lock_guard lock(meta_mutex_);
    if (const auto it = meta_.find(prefix); it != meta_.end()) meta_.erase(it);
  }
  py::gil_scoped_acquire gil;
  return count_of(storage_.get().attr("clear")(), 0);
}

std::optional<std::string> PyBucketStore::do_load_meta(std::string_view prefix) {
  std::lock_guard lock(meta_mutex_);
  const auto it = meta_.find(prefix);
  return it == meta_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

bool PyBucketStore::do_store_meta_if_absent(std::string_view prefix, std::string_view meta) {
  std::lock_guard lock(meta_mutex_);
  return meta_.emplace(std::string(prefix), std::string(meta)).second;
}

StoreStats PyBucketStore::do_stats(std::string_view) { return {}; }

std::string PyBucketStore::describe() const { return "Python storage " + name_; }

}  // namespace lshrs::python
