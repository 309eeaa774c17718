// lshrs::Index for lshrs.core.main.LSHRS. Every call that hashes, talks to the
// store or reranks releases the GIL; Python callbacks (storage objects, fetch
// functions) take it back only while they run.
#include <pybind11/stl.h>

#include <optional>

#include "common.hpp"

#include "lshrs/error.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/index.hpp"
#include "lshrs/option_rules.hpp"

namespace lshrs::python {

namespace {

// A Python `vector_fetch_fn(ids) -> (len(ids), dim) array` as a VectorFetcher.
std::shared_ptr<VectorFetcher> callback_fetcher(std::size_t dim, py::object fn) {
  PyRef ref(std::move(fn));
  return std::make_shared<CallbackFetcher>(dim, [ref, dim](std::span<const std::int64_t> ids) {
    py::gil_scoped_acquire gil;
    py::list list(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) list[i] = ids[i];
    const py::object result = ref.get()(list);
    const auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(result);
    if (!arr) {
      throw InvalidArgument("vector_fetch_fn must return an array of shape (len(ids), " +
                            std::to_string(dim) + "), got a " +
                            py::str(result.get_type().attr("__name__")).cast<std::string>());
    }
    const float* p = arr.data();
    return std::vector<float>(p, p + arr.size());
  });
}

QueryOptions query_options(std::optional<std::size_t> top_k, std::optional<double> top_p,
                           std::optional<float> min_similarity, bool rerank,
                           std::optional<std::size_t> max_candidates, std::optional<std::size_t> probes) {
  QueryOptions o;
  o.top_k = top_k;
  o.top_p = top_p;
  o.min_similarity = min_similarity;
  o.rerank = rerank;
  o.max_candidates = max_candidates;
  o.probes = probes;
  return o;
}

// (ids int64[], similarities float32[] or None, candidates, microseconds the
// C++ query took) — arrays, so the Python layer chooses between lists and
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
                        static_cast<std::int64_t>(r.elapsed.count()));
}

std::unique_ptr<Index> make_index(std::size_t dim, std::size_t num_perm,
                                  std::optional<std::size_t> num_bands,
                                  std::optional<std::size_t> rows_per_band,
                                  double similarity_threshold, std::size_t buffer_size,
                                  std::uint64_t seed, std::string prefix,
                                  std::shared_ptr<BucketStore> store,
                                  std::shared_ptr<VectorFetcher> fetcher,
                                  std::optional<FloatArray> projections) {
  IndexOptions o;
  o.dim = dim;
  o.num_perm = num_perm;
  o.num_bands = num_bands;
  o.rows_per_band = rows_per_band;
  o.similarity_threshold = similarity_threshold;
  o.buffer_size = buffer_size;
  o.seed = seed;
  o.prefix = std::move(prefix);
  if (projections) {
    const auto s = as_span(*projections);
    o.projections.assign(s.begin(), s.end());
  }
  py::gil_scoped_release release;
  // LSHRS(...) opens or creates, as the original package does.
  return std::make_unique<Index>(
      Index::open(std::move(store), std::move(o), OpenOptions{}, std::move(fetcher)));
}

py::dict stats_dict(const IndexStats& s) {
  py::dict d;
  d["dimension"] = s.dim;
  d["num_perm"] = s.num_perm;
  d["num_bands"] = s.num_bands;
  d["rows_per_band"] = s.rows_per_band;
  d["similarity_threshold"] = s.similarity_threshold;
  d["buffer_size"] = s.buffer_size;
  d["redis_prefix"] = s.prefix;
  d["seed"] = s.seed;
  d["store"] = s.store;
  d["buffered"] = s.buffered;
  d["storage"] = store_stats_dict(s.storage);
  return d;
}

}  // namespace

void bind_index(py::module_& m) {
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
        return query_options(std::nullopt, top_p, min_similarity, rerank, std::nullopt,
                             std::nullopt)
            .reranks();
      },
      py::arg("top_p"), py::arg("min_similarity"), py::arg("rerank"));

  py::class_<Index>(m, "Index")
      .def(py::init(&make_index), py::kw_only(), py::arg("dim"), py::arg("num_perm"),
           py::arg("num_bands"), py::arg("rows_per_band"), py::arg("similarity_threshold"),
           py::arg("buffer_size"), py::arg("seed"), py::arg("prefix"), py::arg("store"),
           py::arg("fetcher") = nullptr, py::arg("projections") = std::nullopt)
      .def(
          "ingest",
          [](Index& ix, std::int64_t id, const FloatArray& v) {
            py::gil_scoped_release release;
            ix.ingest(id, as_span(v));
          },
          py::arg("id"), py::arg("vector"))
      .def(
          "index",
          [](Index& ix, const IdArray& ids, const FloatArray& vectors) {
            py::gil_scoped_release release;
            ix.index(as_span(ids), as_span(vectors));
          },
          py::arg("ids"), py::arg("vectors"))
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
          [](Index& ix, const FloatArray& v, std::optional<std::size_t> top_k,
             std::optional<double> top_p, std::optional<float> min_similarity, bool rerank,
             std::optional<std::size_t> max_candidates, std::optional<std::size_t> probes) {
            const auto o = query_options(top_k, top_p, min_similarity, rerank, max_candidates, probes);
            QueryResult r;
            {
              py::gil_scoped_release release;
              r = ix.query(as_span(v), o);
            }
            return result_tuple(r);
          },
          py::arg("vector"), py::arg("top_k"), py::arg("top_p"), py::arg("min_similarity"),
          py::arg("rerank"), py::arg("max_candidates"), py::arg("probes"))
      .def(
          "query_batch",
          [](Index& ix, const FloatArray& v, std::optional<std::size_t> top_k,
             std::optional<double> top_p, std::optional<float> min_similarity, bool rerank,
             std::optional<std::size_t> max_candidates, std::optional<std::size_t> probes) {
            const auto o = query_options(top_k, top_p, min_similarity, rerank, max_candidates, probes);
            std::vector<QueryResult> rs;
            {
              py::gil_scoped_release release;
              rs = ix.query_batch(as_span(v), o);
            }
            py::list out(rs.size());
            for (std::size_t i = 0; i < rs.size(); ++i) out[i] = result_tuple(rs[i]);
            return out;
          },
          py::arg("vectors"), py::arg("top_k"), py::arg("top_p"), py::arg("min_similarity"),
          py::arg("rerank"), py::arg("max_candidates"), py::arg("probes"))
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
      .def_property_readonly("num_bands", [](const Index& ix) { return ix.hasher().num_bands(); })
      .def_property_readonly("rows_per_band",
                             [](const Index& ix) { return ix.hasher().rows_per_band(); })
      .def_property_readonly("projections", [](py::object self) {
        const auto& h = self.cast<const Index&>().hasher();
        return readonly_view(h.projections(), h.num_bands() * h.rows_per_band(), h.dim(), self);
      });
}

}  // namespace lshrs::python
