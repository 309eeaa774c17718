// Bucket stores: RedisStore (one node or Cluster, URLs), MemoryStore, and the
// adapter over a Python storage object (py_store.hpp).
#include <pybind11/chrono.h>
#include <pybind11/stl.h>

#include "common.hpp"
#include "py_store.hpp"

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/redis_store.hpp"

namespace lshrs::python {

py::dict store_stats_dict(const StoreStats& s) {
  py::dict d;
  d["ids"] = s.ids ? py::object(py::int_(*s.ids)) : py::object(py::none());
  d["buckets"] = s.buckets;
  d["buckets_per_band"] = s.buckets_per_band;
  d["sizes_sampled"] = s.sizes_sampled;
  d["mean_bucket_size"] = s.mean_bucket_size;
  d["p50_bucket_size"] = s.p50_bucket_size;
  d["p99_bucket_size"] = s.p99_bucket_size;
  d["max_bucket_size"] = s.max_bucket_size;
  d["bytes_per_vector"] =
      s.bytes_per_vector ? py::object(py::float_(*s.bytes_per_vector)) : py::object(py::none());
  d["unfinished_ranges"] = s.unfinished_ranges;
  d["warnings"] = s.warnings;
  return d;
}

namespace {

ClusterMode cluster_mode(const std::string& mode) {
  if (mode == "auto") return ClusterMode::kAuto;
  if (mode == "on") return ClusterMode::kOn;
  if (mode == "off") return ClusterMode::kOff;
  throw InvalidArgument("cluster must be \"auto\", \"on\" or \"off\", not \"" + mode + "\"");
}

std::shared_ptr<RedisStore> make_redis_store(const std::string& url, const std::string& host,
                                             int port, int db, const std::string& user,
                                             const std::string& password,
                                             const std::string& unix_socket,
                                             std::size_t pool_size, const std::string& cluster,
                                             bool track_signatures, double timeout_seconds) {
  RedisOptions o;
  o.url = url;
  o.host = host;
  o.port = port;
  o.db = db;
  o.user = user;
  o.password = password;
  o.unix_socket = unix_socket;
  o.pool_size = pool_size;
  o.cluster = cluster_mode(cluster);
  o.track_signatures = track_signatures;
  if (!(timeout_seconds >= 0)) {
    throw InvalidArgument("timeout must be >= 0 seconds, not " + std::to_string(timeout_seconds));
  }
  const auto ms = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_seconds * 1000));
  o.connect_timeout = ms;
  o.command_timeout = ms;
  py::gil_scoped_release release;
  return std::make_shared<RedisStore>(std::move(o));
}

}  // namespace

void bind_stores(py::module_& m) {
  py::class_<BucketStore, std::shared_ptr<BucketStore>>(m, "BucketStore")
      .def(
          "members",
          [](BucketStore& s, const std::string& prefix, const std::vector<std::pair<std::uint32_t, py::bytes>>& refs) {
            std::vector<BucketRef> buckets;
            buckets.reserve(refs.size());
            for (const auto& [band, sig] : refs) buckets.push_back({band, std::string(sig)});
            py::gil_scoped_release release;
            return s.members(prefix, buckets);
          },
          py::arg("prefix"), py::arg("buckets"))
      .def(
          "remove",
          [](std::shared_ptr<BucketStore> s, const std::string& prefix, const IdArray& ids) {
            py::gil_scoped_release release;
            return Index::remove_from(std::move(s), prefix, as_span(ids));
          },
          py::arg("prefix"), py::arg("ids"))
      .def("clear", &BucketStore::clear, py::arg("prefix"), py::call_guard<py::gil_scoped_release>())
      .def("stats", [](BucketStore& s, const std::string& prefix) {
        StoreStats st;
        {
          py::gil_scoped_release release;
          st = s.stats(prefix);
        }
        return store_stats_dict(st);
      }, py::arg("prefix"))
      .def("describe", &BucketStore::describe);

  py::class_<RedisStore, BucketStore, std::shared_ptr<RedisStore>>(m, "RedisStore")
      .def(py::init(&make_redis_store), py::kw_only(), py::arg("url") = "",
           py::arg("host") = "localhost", py::arg("port") = 6379, py::arg("db") = 0,
           py::arg("user") = "", py::arg("password") = "", py::arg("unix_socket") = "",
           py::arg("pool_size") = 8, py::arg("cluster") = "auto",
           py::arg("track_signatures") = true, py::arg("timeout") = 5.0);

  py::class_<MemoryStore, BucketStore, std::shared_ptr<MemoryStore>>(m, "MemoryStore")
      .def(py::init<>());

  py::class_<PyBucketStore, BucketStore, std::shared_ptr<PyBucketStore>>(m, "PythonStore")
      .def(py::init<py::object>(), py::arg("storage"));
}

}  // namespace lshrs::python
