// lshrs::Index for lshrs.core.main.LSHRS. Every call that hashes, talks to the
// store or reranks releases the GIL; Python callbacks (storage objects, fetch
// functions) take it back only while they run.
#include <pybind11/stl.h>

#include <optional>

#include "common.hpp"

#include "lshrs/error.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/option_rules.hpp"

namespace lshrs::python {

namespace {

std::string shape_text(const py::array& a) {
  std::string out = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    out += (i ? ", " : "") + std::to_string(a.shape(i));
  }
  return out + (a.ndim() == 1 ? ",)" : ")");
}

// A Python `vector_fetch_fn(ids) -> (len(ids), dim) array` as a VectorFetcher.
// Any other shape is refused, naming both: a transposed (dim, n) result holds
// as many floats and would otherwise rank candidates by garbage.
std::shared_ptr<VectorFetcher> callback_fetcher(std::size_t dim, py::object fn) {
  PyRef ref(std::move(fn));
  return std::make_shared<CallbackFetcher>(dim, [ref, dim](std::span<const std::int64_t> ids) {
    py::gil_scoped_acquire gil;
    py::list list(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) list[i] = ids[i];
    const py::object result = ref.get()(list);
    const auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(result);
    const std::string expected =
        "(" + std::to_string(ids.size()) + ", " + std::to_string(dim) + ")";
    if (!arr) {
      PyErr_Clear();
      throw InvalidArgument("vector_fetch_fn must return an array of shape " + expected +
                            " (len(ids), dim), got a " +
                            py::str(result.get_type().attr("__name__")).cast<std::string>());
    }
    const bool fits = arr.ndim() == 2 && static_cast<std::size_t>(arr.shape(0)) == ids.size() &&
                      static_cast<std::size_t>(arr.shape(1)) == dim;
    if (!fits && !(ids.empty() && arr.size() == 0)) {
      throw InvalidArgument("vector_fetch_fn returned an array of shape " + shape_text(arr) +
                            " for " + std::to_string(ids.size()) +
                            " ids; expected shape " + expected + " (len(ids), dim), one row per id");
    }
    const float* p = arr.data();
    return std::vector<float>(p, p + arr.size());
  });
}

// (ids int64[], similarities float32[] or None, candidates, microseconds the
// C++ query took, candidates the filter removed, whether its effort ran out)
// — arrays, so the Python layer chooses between lists and
// arrays without a second pass here; the time lets benchmarks isolate the
// binding's own cost.
py::tuple result_tuple(const QueryResult& r) {
  std::vector<std::int64_t> ids(r.neighbors.size());
  std::vector<float> sims;
  const bool reranked = !r.neighbors.empty() && r.neighbors.front().similarity.has_value();
  if (reranked) sims.resize(r.neighbors.size());
  for (std::size_t i = 0; i < r.neighbors.size(); ++i) {
    ids[i] = r.neighbors[i].id;
    if (reranked) sims[i] = r.neighbors[i].similarity.value_or(0.0F);
  }
  const auto n = static_cast<py::ssize_t>(ids.size());
  py::object sim_obj = reranked ? py::object(to_numpy(std::move(sims), {n})) : py::object(py::none());
  return py::make_tuple(to_numpy(std::move(ids), {n}), sim_obj, r.candidates,
                        static_cast<std::int64_t>(r.elapsed.count()), r.filtered_out, r.filter_effort_spent);
}

std::unique_ptr<Index> make_index(std::size_t dim, std::size_t num_perm,
                                  std::optional<std::size_t> num_bands,
                                  std::optional<std::size_t> rows_per_band,
                                  double similarity_threshold, std::size_t buffer_size,
                                  std::uint64_t seed, std::string prefix,
                                  std::shared_ptr<BucketStore> store,
                                  std::shared_ptr<VectorFetcher> fetcher,
                                  std::optional<FloatArray> projections, const std::string& family,
                                  std::size_t probes, std::optional<std::size_t> max_candidates) {
  IndexOptions o;
  o.dim = dim;
  o.family = parse_family(family);
  o.num_perm = num_perm;
  o.num_bands = num_bands;
  o.rows_per_band = rows_per_band;
  o.similarity_threshold = similarity_threshold;
  o.buffer_size = buffer_size;
  o.seed = seed;
  o.prefix = std::move(prefix);
  o.query_defaults.probes = probes;
  o.query_defaults.max_candidates = max_candidates;
  if (projections) {
    const auto s = as_span(*projections);
    o.projections.assign(s.begin(), s.end());
  }
  py::gil_scoped_release release;
  // LSHRS(...) opens or creates, as the original package does.
  return std::make_unique<Index>(
      Index::open(std::move(store), std::move(o), OpenOptions{}, std::move(fetcher)));
}

// The index `<prefix>:meta` describes, whatever its family (LSHRS.open).
std::unique_ptr<Index> open_existing(std::shared_ptr<BucketStore> store, const std::string& prefix,
                                     std::shared_ptr<VectorFetcher> fetcher) {
  py::gil_scoped_release release;
  return std::make_unique<Index>(Index::open(std::move(store), prefix, std::move(fetcher)));
}

py::object cap_object(const std::optional<std::size_t>& cap) {
  return cap ? py::object(py::int_(*cap)) : py::object(py::none());
}

// What the index is (IndexConfig): the model's fields, family, query defaults.
py::dict config_dict(const IndexConfig& c) {
  py::dict d;
  d["family"] = std::string(family_name(c.family));
  d["dim"] = c.dim;
  d["num_perm"] = c.num_perm;
  d["num_bands"] = c.num_bands;
  d["rows_per_band"] = c.rows_per_band;
  d["similarity_threshold"] = c.similarity_threshold;
  d["buffer_size"] = c.buffer_size;
  d["seed"] = c.seed;
  d["prefix"] = c.prefix;
  d["probes"] = c.query_defaults.probes;
  d["max_candidates"] = cap_object(c.query_defaults.max_candidates);
  return d;
}

// The family's model matrix: hyperplanes (num_perm × dim), cross-polytope
// signs (num_perm × 3·d') or k-means centroids ((bands·2^bits) × dim).
const std::vector<float>& model_matrix(const Index& ix) { return ix.band_hasher().model(); }

py::dict stats_dict(const IndexStats& s) {
  py::dict d;
  d["dimension"] = s.config.dim;
  d["num_perm"] = s.config.num_perm;
  d["num_bands"] = s.config.num_bands;
  d["rows_per_band"] = s.config.rows_per_band;
  d["similarity_threshold"] = s.config.similarity_threshold;
  d["buffer_size"] = s.config.buffer_size;
  d["redis_prefix"] = s.config.prefix;
  d["seed"] = s.config.seed;
  d["store"] = s.store;
  d["buffered"] = s.buffered;
  d["family"] = std::string(family_name(s.config.family));
  d["query_defaults"] = py::dict(py::arg("probes") = s.config.query_defaults.probes,
                                 py::arg("max_candidates") = cap_object(s.config.query_defaults.max_candidates));
  d["storage"] = store_stats_dict(s.storage);
  return d;
}

}  // namespace

void bind_index(py::module_& m) {
  // The struct itself, field by field (no argument-list builder to keep in
  // step with it): the Python layer checks ranges first to raise the
  // original package's error types, then sets these.
  py::class_<QueryOptions>(m, "QueryOptions")
      .def(py::init<>())
      .def_readwrite("top_k", &QueryOptions::top_k)
      .def_readwrite("top_p", &QueryOptions::top_p)
      .def_readwrite("min_similarity", &QueryOptions::min_similarity)
      .def_readwrite("rerank", &QueryOptions::rerank)
      .def_readwrite("max_candidates", &QueryOptions::max_candidates)
      .def_readwrite("probes", &QueryOptions::probes)
      .def_readwrite("filter", &QueryOptions::filter)
      .def_readwrite("filter_effort", &QueryOptions::filter_effort);
  py::class_<VectorFetcher, std::shared_ptr<VectorFetcher>>(m, "VectorFetcher")
      .def(
          "fetch",
          [](VectorFetcher& f, const IdArray& ids) {
            FetchedVectors v;
            {
              py::gil_scoped_release release;
              v = f.fetch(as_span(ids));
            }
            const auto n = static_cast<py::ssize_t>(v.ids.size());
            const auto dim = n ? static_cast<py::ssize_t>(v.data.size()) / n : 0;
            return py::make_tuple(to_numpy(std::move(v.ids), {n}),
                                  to_numpy(std::move(v.data), {n, dim}));
          },
          py::arg("ids"),
          "(found ids, their vectors): ids the source no longer has are left out");
  m.def("callback_fetcher", &callback_fetcher, py::arg("dim"), py::arg("fn"));
  // The library's query rules, so that lshrs.core.main does not restate them.
  m.def("top_p_problem", &top_p_problem, py::arg("value"));
  m.def("min_similarity_problem", &min_similarity_problem, py::arg("value"));
  m.def(
      "reranks",
      [](std::optional<double> top_p, std::optional<float> min_similarity, bool rerank) {
        QueryOptions o;
        o.top_p = top_p;
        o.min_similarity = min_similarity;
        o.rerank = rerank;
        return o.reranks();
      },
      py::arg("top_p"), py::arg("min_similarity"), py::arg("rerank"));

  py::class_<Index>(m, "Index")
      .def(py::init(&make_index), py::kw_only(), py::arg("dim"), py::arg("num_perm"),
           py::arg("num_bands"), py::arg("rows_per_band"), py::arg("similarity_threshold"),
           py::arg("buffer_size"), py::arg("seed"), py::arg("prefix"), py::arg("store"),
           py::arg("fetcher") = nullptr, py::arg("projections") = std::nullopt,
           py::arg("family") = "hyperplane", py::arg("probes") = 0,
           py::arg("max_candidates") = std::nullopt)
      .def_static("open_existing", &open_existing, py::arg("store"), py::arg("prefix"),
                  py::arg("fetcher") = nullptr)
      .def(
          "ingest",
          [](Index& ix, std::int64_t id, const FloatArray& v, const std::string& attributes) {
            py::gil_scoped_release release;
            ix.ingest(id, as_span(v), attributes);
          },
          py::arg("id"), py::arg("vector"), py::arg("attributes") = "")
      .def(
          "index",
          [](Index& ix, const IdArray& ids, const FloatArray& vectors, std::optional<std::vector<std::string>> attributes) {
            py::gil_scoped_release release;
            if (attributes) {
              ix.index(as_span(ids), as_span(vectors), *attributes);
            } else {
              ix.index(as_span(ids), as_span(vectors));
            }
          },
          py::arg("ids"), py::arg("vectors"), py::arg("attributes") = py::none())
      .def(
          "attributes",
          [](Index& ix, const IdArray& ids) {
            py::gil_scoped_release release;
            return ix.attributes(as_span(ids));
          },
          py::arg("ids"))
      .def(
          "index_fetch",
          [](Index& ix, const IdArray& ids) {
            py::gil_scoped_release release;
            ix.index(as_span(ids));
          },
          py::arg("ids"))
      .def(
          "ingest_from",
          [](Index& ix, const std::shared_ptr<VectorSource>& source) {
            py::gil_scoped_release release;
            return ix.ingest_from(*source);
          },
          py::arg("source"))
      .def("flush", &Index::flush, py::call_guard<py::gil_scoped_release>())
      .def(
          "query",
          [](Index& ix, const FloatArray& v, const QueryOptions& o) {
            QueryResult r;
            {
              py::gil_scoped_release release;
              r = ix.query(as_span(v), o);
            }
            return result_tuple(r);
          },
          py::arg("vector"), py::arg("options"))
      .def(
          "query_batch",
          [](Index& ix, const FloatArray& v, const QueryOptions& o) {
            std::vector<QueryResult> rs;
            {
              py::gil_scoped_release release;
              rs = ix.query_batch(as_span(v), o);
            }
            py::list out(rs.size());
            for (std::size_t i = 0; i < rs.size(); ++i) out[i] = result_tuple(rs[i]);
            return out;
          },
          py::arg("vectors"), py::arg("options"))
      .def(
          "remove",
          [](Index& ix, const IdArray& ids) {
            py::gil_scoped_release release;
            return ix.remove(as_span(ids));
          },
          py::arg("ids"))
      .def("clear", &Index::clear, py::call_guard<py::gil_scoped_release>())
      .def("stats", [](Index& ix) {
        IndexStats s;
        {
          py::gil_scoped_release release;
          s = ix.stats();
        }
        return stats_dict(s);
      })
      .def(
          "save",
          [](Index& ix, const std::string& dir) {
            py::gil_scoped_release release;
            ix.save(dir);
          },
          py::arg("dir"))
      .def("close", &Index::close, py::call_guard<py::gil_scoped_release>())
      .def("buffered", &Index::buffered)
      .def_property_readonly("config", [](const Index& ix) { return config_dict(ix.config()); })
      .def_property_readonly("num_bands", [](const Index& ix) { return ix.config().num_bands; })
      .def_property_readonly("rows_per_band",
                             [](const Index& ix) { return ix.config().rows_per_band; })
      .def_property_readonly("projections", [](py::object self) {
        const auto& ix = self.cast<const Index&>();
        const auto& matrix = model_matrix(ix);
        const std::size_t width = projection_width(ix.config());
        return readonly_view(matrix, matrix.size() / width, width, self);
      });
}

}  // namespace lshrs::python
