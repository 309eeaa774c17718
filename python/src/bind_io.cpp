// Vector sources and fetchers (.npy, .fvecs, Parquet via DuckDB, PostgreSQL
// via libpq) and model directories, for lshrs.io and LSHRS.load_from_disk.
#include <pybind11/stl.h>

#include <optional>

#include "common.hpp"

#include "lshrs/files.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/parquet.hpp"
#include "lshrs/postgres.hpp"
#include "lshrs/source.hpp"

namespace lshrs::python {

namespace {

template <typename Options, typename Open>
auto released(const Options& o, Open open) {
  py::gil_scoped_release release;
  return std::shared_ptr(open(o));
}

PostgresOptions postgres_options(const std::string& dsn, const std::string& table,
                                 const std::string& id_column, const std::string& vector_column,
                                 const std::string& where, const std::string& order_by,
                                 std::optional<std::uint64_t> limit, const std::string& query,
                                 std::vector<std::string> params, std::size_t batch_size) {
  PostgresOptions o;
  o.dsn = dsn;
  o.table = table;
  o.id_column = id_column;
  o.vector_column = vector_column;
  o.where = where;
  o.order_by = order_by;
  o.limit = limit;
  o.query = query;
  o.params = std::move(params);
  o.batch_size = batch_size;
  return o;
}

}  // namespace

void bind_io(py::module_& m) {
  py::class_<VectorSource, std::shared_ptr<VectorSource>>(m, "VectorSource")
      .def("next",
           [](VectorSource& s) -> py::object {
             VectorBatch b;
             bool more = false;
             {
               py::gil_scoped_release release;
               more = s.next(b);
             }
             if (!more) return py::none();
             const auto n = static_cast<py::ssize_t>(b.ids.size());
             const auto dim = static_cast<py::ssize_t>(b.dim);
             return py::make_tuple(to_numpy(std::move(b.ids), {n}),
                                   to_numpy(std::move(b.data), {n, dim}));
           })
      .def("total_rows", &VectorSource::total_rows)
      .def("describe", &VectorSource::describe);

  m.def(
      "npy_source",
      [](const std::string& path, std::optional<std::string> ids, std::size_t batch_size) {
        NpyOptions o{path, ids ? std::optional<std::filesystem::path>(*ids) : std::nullopt, batch_size};
        return released(o, open_npy_source);
      },
      py::arg("path"), py::arg("ids") = std::nullopt, py::arg("batch_size") = 10'000);
  m.def(
      "npy_fetcher",
      [](const std::string& path, std::optional<std::string> ids, std::optional<bool> in_memory) {
        NpyOptions o{path, ids ? std::optional<std::filesystem::path>(*ids) : std::nullopt, 10'000};
        if (in_memory) o.residency = *in_memory ? NpyResidency::kInMemory : NpyResidency::kMapped;
        return released(o, open_npy_fetcher);
      },
      py::arg("path"), py::arg("ids") = std::nullopt, py::arg("in_memory") = std::nullopt);
  m.def(
      "fvecs_source",
      [](const std::string& path, std::size_t batch_size) {
        return released(FvecsOptions{path, batch_size}, open_fvecs_source);
      },
      py::arg("path"), py::arg("batch_size") = 10'000);

  m.def("parquet_supported", &parquet_supported);
  m.def(
      "parquet_source",
      [](const std::string& path, const std::string& id_column, const std::string& vector_column,
         std::size_t batch_size) {
        ParquetOptions o;
        o.path = path;
        o.id_column = id_column;
        o.vector_column = vector_column;
        o.batch_size = batch_size;
        return released(o, open_parquet_source);
      },
      py::arg("path"), py::arg("id_column") = "index", py::arg("vector_column") = "vector",
      py::arg("batch_size") = 10'000);
  m.def(
      "parquet_fetcher",
      [](const std::string& path, const std::string& id_column, const std::string& vector_column) {
        ParquetOptions o;
        o.path = path;
        o.id_column = id_column;
        o.vector_column = vector_column;
        return released(o, open_parquet_fetcher);
      },
      py::arg("path"), py::arg("id_column") = "index", py::arg("vector_column") = "vector");
  m.def(
      "write_parquet",
      [](const std::string& path, const IdArray& ids, const FloatArray& vectors,
         const std::string& id_column, const std::string& vector_column) {
        const std::size_t dim = vectors.ndim() == 2 ? static_cast<std::size_t>(vectors.shape(1)) : 0;
        py::gil_scoped_release release;
        write_parquet(path, as_span(ids), as_span(vectors), dim, id_column, vector_column);
      },
      py::arg("path"), py::arg("ids"), py::arg("vectors"), py::arg("id_column") = "index",
      py::arg("vector_column") = "vector");

  m.def(
      "postgres_source",
      [](const std::string& dsn, const std::string& table, const std::string& id_column,
         const std::string& vector_column, const std::string& where, const std::string& order_by,
         std::optional<std::uint64_t> limit, const std::string& query,
         std::vector<std::string> params, std::size_t batch_size) {
        return released(postgres_options(dsn, table, id_column, vector_column, where, order_by,
                                         limit, query, std::move(params), batch_size),
                        open_postgres_source);
      },
      py::kw_only(), py::arg("dsn"), py::arg("table"), py::arg("id_column"),
      py::arg("vector_column"), py::arg("where"), py::arg("order_by"), py::arg("limit"),
      py::arg("query"), py::arg("params"), py::arg("batch_size"));
  m.def(
      "postgres_fetcher",
      [](const std::string& dsn, const std::string& table, const std::string& id_column,
         const std::string& vector_column) {
        return released(postgres_options(dsn, table, id_column, vector_column, "", "",
                                         std::nullopt, "", {}, 10'000),
                        open_postgres_fetcher);
      },
      py::kw_only(), py::arg("dsn"), py::arg("table"), py::arg("id_column") = "id",
      py::arg("vector_column") = "embedding");

  // (config dict, redis dict, projections) of a model directory, any family:
  // config adds family, probes and max_candidates (its query defaults);
  // projections are (rows, projection_width) (hyperplanes num_perm × dim,
  // cross-polytope signs, k-means centroids (bands·2^bits) × dim).
  m.def(
      "load_model",
      [](const std::string& dir) {
        Model model;
        {
          py::gil_scoped_release release;
          model = load_model(dir);
        }
        const auto& c = model.config;
        py::dict config;
        config["dim"] = c.dim;
        config["num_perm"] = c.num_perm;
        config["num_bands"] = c.num_bands;
        config["rows_per_band"] = c.rows_per_band;
        config["similarity_threshold"] = c.similarity_threshold;
        config["buffer_size"] = c.buffer_size;
        config["seed"] = c.seed;
        config["family"] = std::string(family_name(c.family));
        config["probes"] = model.query_defaults.probes;
        config["max_candidates"] = model.query_defaults.max_candidates
                                       ? py::object(py::int_(*model.query_defaults.max_candidates))
                                       : py::object(py::none());
        py::dict redis;
        redis["host"] = model.redis.host;
        redis["port"] = model.redis.port;
        redis["db"] = model.redis.db;
        redis["prefix"] = model.redis.prefix;
        redis["decode_responses"] = model.redis.decode_responses;
        redis["max_connections"] = model.redis.max_connections;
        const std::size_t width = projection_width(c);
        const auto rows = static_cast<py::ssize_t>(model.projections.size() / width);
        return py::make_tuple(config, redis,
                              to_numpy(std::move(model.projections),
                                       {rows, static_cast<py::ssize_t>(width)}));
      },
      py::arg("dir"));
}

}  // namespace lshrs::python
