// The measured tuner (tuner.hpp) and k-means training (kmeans.hpp) for
// lshrs.tune and lshrs.train_kmeans. Both run with the GIL released; Ctrl-C
// stops them: the progress callbacks and the tuner's row fetcher take the GIL
// for a moment (at most every kSignalInterval) to run Python's signal
// handlers, and a pending KeyboardInterrupt unwinds the C++ call and is
// raised when it returns.
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>

#include "common.hpp"

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/tuner.hpp"

namespace lshrs::python {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSignalInterval = std::chrono::milliseconds(100);

// Thrown through the C++ call when a Python signal handler raised (the
// exception is then set in this thread's Python state): not an lshrs::Error,
// so nothing on the way mistakes it for a store or data error.
struct Interrupted final : std::exception {
  const char* what() const noexcept override { return "interrupted"; }
};

// Runs Python's signal handlers, at most every kSignalInterval. Called without
// the GIL. Only the main thread runs handlers: elsewhere it never fires.
class SignalCheck {
 public:
  bool interrupted(bool now = false) {
    if (interrupted_.load()) return true;
    const auto t = Clock::now().time_since_epoch().count();
    const auto interval = std::chrono::duration_cast<Clock::duration>(kSignalInterval).count();
    if (!now && t - last_.load() < interval) return false;
    last_.store(t);
    py::gil_scoped_acquire gil;
    if (PyErr_Occurred() != nullptr || PyErr_CheckSignals() != 0) interrupted_.store(true);
    return interrupted_.load();
  }

 private:
  std::atomic<Clock::rep> last_{0};
  std::atomic<bool> interrupted_{false};
};

// The tuner's fetcher: row `id` of `base` (a view of the caller's array,
// alive for the call), checking for Ctrl-C on the way.
class RowsFetcher final : public VectorFetcher {
 public:
  RowsFetcher(std::span<const float> base, std::size_t dim, SignalCheck& signals)
      : base_(base), dim_(dim), signals_(signals) {}

  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    if (signals_.interrupted()) throw Interrupted();
    FetchedVectors out;
    out.ids.reserve(ids.size());
    out.data.reserve(ids.size() * dim_);
    const std::size_t rows = base_.size() / dim_;
    for (const std::int64_t id : ids) {
      if (id < 0 || static_cast<std::size_t>(id) >= rows) continue;
      const auto row = base_.subspan(static_cast<std::size_t>(id) * dim_, dim_);
      out.ids.push_back(id);
      out.data.insert(out.data.end(), row.begin(), row.end());
    }
    return out;
  }

 private:
  std::span<const float> base_;
  std::size_t dim_;
  SignalCheck& signals_;
};

// Raises what is pending in this thread's Python state (a KeyboardInterrupt
// from a signal handler, an exception of the progress callback), if anything.
void raise_pending() {
  if (PyErr_Occurred() != nullptr) throw py::error_already_set();
}

py::object optional_int(const std::optional<std::size_t>& v) {
  return v ? py::object(py::int_(*v)) : py::object(py::none());
}

py::dict point_dict(const TunePoint& p) {
  py::dict d;
  d["family"] = std::string(family_name(p.config.family));
  d["bands"] = p.config.bands;
  d["rows"] = p.config.rows;
  d["bits_per_band"] = p.config.bits_per_band;
  d["seed"] = p.config.seed;
  d["probes"] = p.query.probes;
  d["max_candidates"] = optional_int(p.query.max_candidates);
  d["recall"] = p.recall;
  d["held_out_recall"] = p.held_out_recall;
  d["recall_by_id"] = p.recall_by_id;
  d["held_out_recall_by_id"] = p.held_out_recall_by_id;
  d["mean_candidates"] = p.mean_candidates;
  d["fraction_read"] = p.fraction_read;
  d["queries_per_second"] = p.queries_per_second;
  d["bytes_per_vector"] =
      p.bytes_per_vector ? py::object(py::float_(*p.bytes_per_vector)) : py::object(py::none());
  d["ingest_vectors_per_second"] = p.ingest_vectors_per_second;
  return d;
}

std::size_t matrix_rows(const FloatArray& a, const char* what) {
  if (a.ndim() != 2 || a.shape(1) == 0) {
    throw InvalidArgument(std::string(what) + " must be a 2-D array (n, dim)");
  }
  return static_cast<std::size_t>(a.shape(0));
}

py::dict run_tune(const FloatArray& base, std::optional<FloatArray> queries, double target_recall,
                  std::size_t k, const std::vector<std::string>& families,
                  std::vector<std::size_t> bands, std::vector<std::size_t> probes,
                  std::vector<std::optional<std::size_t>> max_candidates,
                  std::size_t queries_per_half, double margin,
                  std::optional<std::size_t> sample_size,
                  std::optional<double> max_bytes_per_vector, std::uint64_t seed,
                  const std::string& prefix, std::shared_ptr<BucketStore> store,
                  py::object progress, std::optional<std::string> save_model) {
  matrix_rows(base, "vectors");
  const auto dim = static_cast<std::size_t>(base.shape(1));
  std::span<const float> query_rows;
  if (queries) {
    matrix_rows(*queries, "queries");
    if (static_cast<std::size_t>(queries->shape(1)) != dim) {
      throw InvalidArgument("queries have dimension " + std::to_string(queries->shape(1)) +
                            " but the vectors have " + std::to_string(dim));
    }
    query_rows = as_span(*queries);
  }
  TuneOptions o;
  o.target_recall = target_recall;
  o.k = k;
  o.families.clear();
  for (const auto& f : families) o.families.push_back(parse_family(f));
  o.bands = std::move(bands);
  o.probes = std::move(probes);
  o.max_candidates = std::move(max_candidates);
  o.queries_per_half = queries_per_half;
  o.margin = margin;
  o.sample_size = sample_size;
  o.max_bytes_per_vector = max_bytes_per_vector;
  o.seed = seed;
  o.prefix = prefix;
  if (!store) store = std::make_shared<MemoryStore>();

  SignalCheck signals;
  PyRef callback(std::move(progress));
  TuneEnvironment env;
  env.store_factory = [store] { return store; };
  env.fetcher = std::make_shared<RowsFetcher>(as_span(base), dim, signals);
  env.progress = [&](const TuneProgress& p) {
    if (!callback.get().is_none()) {
      py::gil_scoped_acquire gil;
      try {
        py::dict info;
        info["message"] = p.message;
        info["configs_done"] = p.configs_done;
        info["configs_total"] = p.configs_total;
        info["point"] = p.point ? py::object(point_dict(*p.point)) : py::object(py::none());
        const py::object go_on = callback.get()(info);
        if (!go_on.is_none() && !go_on.cast<bool>()) return false;
      } catch (py::error_already_set& e) {
        e.restore();  // raised when tune() returns
        return false;
      }
    }
    return !signals.interrupted(true);
  };

  TuneReport report;
  try {
    py::gil_scoped_release release;
    report = tune(as_span(base), dim, query_rows, env, o);
    if (save_model && report.recommended && !report.cancelled) {
      Index index(tuned_index_options(report.points[*report.recommended], dim),
                  std::make_shared<MemoryStore>(), nullptr);
      index.save(*save_model);
    }
  } catch (const Interrupted&) {
    raise_pending();
    throw;
  }
  raise_pending();

  py::dict out;
  py::list points;
  for (const auto& p : report.points) points.append(point_dict(p));
  out["points"] = points;
  out["frontier"] = report.frontier;
  out["recommended"] = optional_int(report.recommended);
  out["warnings"] = report.warnings;
  out["indexed"] = report.indexed;
  out["tuning_queries"] = report.tuning_queries;
  out["held_out_queries"] = report.held_out_queries;
  out["cancelled"] = report.cancelled;
  out["dim"] = dim;
  out["model"] = save_model && report.recommended && !report.cancelled
                     ? py::object(py::str(*save_model))
                     : py::object(py::none());
  return out;
}

py::array_t<float> run_train_kmeans(const FloatArray& rows, std::size_t bands, std::size_t bits,
                                    std::size_t iterations, std::size_t sample_size,
                                    std::uint64_t seed, py::object progress) {
  matrix_rows(rows, "vectors");
  const auto dim = static_cast<std::size_t>(rows.shape(1));
  KMeansTrainOptions o;
  o.num_bands = bands;
  o.bits_per_band = bits;
  o.iterations = iterations;
  o.sample_size = sample_size;
  o.seed = seed;
  SignalCheck signals;
  PyRef callback(std::move(progress));
  // Called after each Lloyd iteration of each band: the only points where
  // training can stop (one iteration is sample_size · 2^bits · dim
  // multiply-adds). It cannot be told to stop; throwing unwinds it.
  o.progress = [&](const KMeansProgress& p) {
    if (!callback.get().is_none()) {
      py::gil_scoped_acquire gil;
      try {
        py::dict info;
        info["band"] = p.band;
        info["num_bands"] = p.num_bands;
        info["iteration"] = p.iteration;
        info["iterations"] = p.iterations;
        info["mean_similarity"] = p.mean_similarity;
        info["reseeded"] = p.reseeded;
        callback.get()(info);
      } catch (py::error_already_set& e) {
        e.restore();
        throw Interrupted();
      }
    }
    if (signals.interrupted(true)) throw Interrupted();
  };
  std::vector<float> centroids;
  try {
    py::gil_scoped_release release;
    centroids = train_kmeans(as_span(rows), dim, o);
  } catch (const Interrupted&) {
    raise_pending();
    throw;
  }
  raise_pending();
  const auto n = static_cast<py::ssize_t>(centroids.size() / dim);
  return to_numpy(std::move(centroids), {n, static_cast<py::ssize_t>(dim)});
}

}  // namespace

void bind_tune(py::module_& m) {
  m.def("tune", &run_tune, py::arg("base"), py::arg("queries"), py::kw_only(),
        py::arg("target_recall"), py::arg("k"), py::arg("families"), py::arg("bands"),
        py::arg("probes"), py::arg("max_candidates"), py::arg("queries_per_half"),
        py::arg("margin"), py::arg("sample_size"), py::arg("max_bytes_per_vector"),
        py::arg("seed"), py::arg("prefix"), py::arg("store"), py::arg("progress"),
        py::arg("save_model"));
  m.def("train_kmeans", &run_train_kmeans, py::arg("vectors"), py::kw_only(), py::arg("bands"),
        py::arg("bits"), py::arg("iterations"), py::arg("sample_size"), py::arg("seed"),
        py::arg("progress"));
  m.def("default_tune_bands",
        [](const std::string& family) { return default_tune_bands(parse_family(family)); },
        py::arg("family"));
  m.def("default_tune_probes", &default_tune_probes);
  m.attr("MAX_PROBES") = kMaxProbes;
  m.attr("MAX_KMEANS_BITS") = kMaxKMeansBits;
}

}  // namespace lshrs::python
