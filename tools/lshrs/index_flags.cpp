// lshrs CLI — from the config flags or a model directory to the index, through
// Index::open (see options.hpp).
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <utility>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/auto_config.hpp"
#include "lshrs/error.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/option_rules.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs::cli {
namespace {

// Config flags given alongside an existing index must describe that index.
void check_flags_agree(const ConfigFlags& f, const IndexConfig& o) {
  auto check = [&](const char* flag, auto given, auto actual) {
    if (given && *given != actual) {
      throw ConfigurationError(std::string("the index under prefix \"") +
                               quote_user_text(o.prefix) + "\" has " + (flag + 2) + " " +
                               std::to_string(actual) + ", but " + flag + " " +
                               std::to_string(*given) +
                               " was given: drop the flag, use another --prefix, or "
                               "`lshrs clear` the old index first");
    }
  };
  check("--dim", f.dim, o.dim);
  check("--num-perm", f.num_perm, o.num_perm);
  check("--bands", f.bands, o.num_bands);
  check("--rows-per-band", f.rows, o.rows_per_band);
  check("--seed", f.seed, o.seed);
  check("--threshold", f.threshold, o.similarity_threshold);
  if (f.family && parse_family(*f.family) != o.family) {
    throw ConfigurationError("the index under prefix \"" + o.prefix + "\" has family " +
                             std::string(family_name(o.family)) + ", but --family " + *f.family +
                             " was given: drop the flag, use another --prefix, or `lshrs clear` "
                             "the old index first");
  }
}

// The stored projections are the truth; a generator flag must reproduce them.
void check_generator_agrees(const ConfigFlags& f, const Index& index) {
  if (!f.projection_generator) return;
  const auto& o = index.config();
  const auto g = parse_projection_generator(*f.projection_generator);
  if (generate_projections(o.seed, o.num_perm, o.dim, g) == index.hasher().projections()) return;
  throw ConfigurationError("the index under prefix \"" + o.prefix +
                           "\" does not hold the projections of --projection-generator " +
                           *f.projection_generator + " for seed " + std::to_string(o.seed) +
                           ": drop the flag (the index's own projections are used)");
}

}  // namespace


void add_config_flags(CLI::App& app, ConfigFlags& f, bool rows_alias) {
  const char* g = "Index configuration (new index)";
  auto* model = app.add_option("--model", f.model_dir,
                               "Model directory (metadata.json + projections.npz, as written by "
                               "--save-model or the Python package's save_to_disk)")
                    ->group(g);
  auto excl = [&](CLI::Option* o) { whole_number(o)->excludes(model)->group(g); };
  excl(app.add_option("--dim", f.dim, "Vector dimension (default: the data's)")
           ->check(at_least_one()));
  app.add_option("--family", f.family,
                 "Hash family: hyperplane (default; the only one the Python package can "
                 "read), cross-polytope (more recall per bucket; lshrs only) or k-means "
                 "(trained by `lshrs train`: pass its --model instead)")
      ->excludes(model)
      ->group(g);
  excl(app.add_option("--num-perm", f.num_perm,
                      "Hashes in total, bands x rows (default 128); with automatic bands for a "
                      "known size or cross-polytope, the budget of hash bits per vector")
           ->check(at_least_one()));
  excl(app.add_option("--expected-size", f.expected_size,
                      "Vectors the index will hold (default: the source's row count when known): "
                      "bits per band grow with log2 of it so buckets stay small (docs/tuning.md)")
           ->check(at_least_one()));
  excl(app.add_option("--bands", f.bands,
                      "Bands (with --rows-per-band; default: chosen for --threshold)")
           ->check(at_least_one()));
  excl(app.add_option(rows_alias ? "--rows-per-band,--rows" : "--rows-per-band", f.rows,
                      "Rows (bits) per band")
           ->check(at_least_one()));
  app.add_option("--threshold", f.threshold,
                 "Cosine similarity from which pairs should become candidates (default 0.5); "
                 "chooses bands and rows (see `lshrs tune`)")
      ->check(library_rule(&similarity_threshold_problem, "(0, 1)"))
      ->excludes(model)
      ->group(g);
  excl(app.add_option("--seed", f.seed,
                      "Seed of the projections (default 42; 0 to 2^64-1): numpy's "
                      "default_rng(seed) draws, as the Python package's"));
  app.add_option("--projection-generator", f.projection_generator,
                 "How projections are drawn from the seed: numpy (default, the Python "
                 "package's) or lshrs-v0 (for indexes built from a seed by lshrs before 0.2)")
      ->check(CLI::IsMember({"numpy", "lshrs-v0"}))
      ->excludes(model)
      ->group(g);
  whole_number(app.add_option("--buffer-size", f.buffer_size,
                              "Vectors buffered before a write to the store"))
      ->check(at_least_one())
      ->group(g);
}

namespace {

// The configuration measured on the data (auto_config.hpp); empty when the
// data is too small to measure anything, where the size rule serves.
std::optional<IndexOptions> auto_options(std::size_t dim, const DataAtHand& data) {
  const DataSample sample = data.sample();
  const std::size_t rows = sample.ids.size();
  AutoConfigOptions how;
  if (!data.quiet) {
    std::cerr << "lshrs: no configuration flags: choosing one on " << rows << " rows of the data\n";
    how.progress = [](const std::string& line) { std::cerr << "lshrs:   " << line << "\n"; };
  }
  std::unique_ptr<VectorSource> whole = data.reread ? data.reread() : nullptr;
  try {
    AutoConfig chosen =
        auto_configure(sample.rows, sample.ids, dim, data.rows.value_or(rows), how, whole.get());
    if (!data.quiet) {
      std::cerr << "lshrs: chose " << chosen.summary
                << " (`lshrs tune` finds faster configurations; flags such as --bands override)\n";
    }
    return std::move(chosen.options);
  } catch (const InvalidArgument&) {
    return std::nullopt;  // too few usable rows
  }
}

}  // namespace

Index make_index(const ConfigFlags& f, const std::string& prefix,
                 std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher,
                 std::optional<std::size_t> data_dim, bool create, const DataAtHand& data) {
  if (!f.model_dir.empty()) {
    IndexOptions o = options_from_model(load_model(f.model_dir), prefix);
    if (f.buffer_size) o.buffer_size = *f.buffer_size;
    return Index::open(std::move(store), std::move(o), OpenOptions{}, std::move(fetcher));
  }
  // An index under the prefix is the truth (flags given must describe it);
  // the flags only describe one to create.
  try {
    Index index = Index::open(store, prefix, fetcher);
    check_flags_agree(f, index.config());
    check_generator_agrees(f, index);
    return index;
  } catch (const IndexNotFound&) {
    if (!create && !f.any_shape_flag()) throw;
  }
  if (create && !f.any_shape_flag() && data_dim && data.sample) {
    if (auto chosen = auto_options(*data_dim, data)) {
      chosen->prefix = prefix;
      if (f.buffer_size) chosen->buffer_size = *f.buffer_size;
      return Index::open(std::move(store), std::move(*chosen), OpenOptions{}, std::move(fetcher));
    }
  }
  const std::optional<std::uint64_t>& data_rows = data.rows;
  IndexOptions o;
  o.prefix = prefix;
  if (!f.dim && !data_dim) {
    throw UsageError(create ? "--dim is needed to create an index without data"
                            : "prefix \"" + prefix + "\" has no meta (an index the Python package "
                              "built?): give --dim, --bands and --rows-per-band with --seed to "
                              "read it, or --model DIR");
  }
  o.dim = f.dim ? *f.dim : *data_dim;
  if (f.num_perm) o.num_perm = *f.num_perm;
  if (f.family) o.family = parse_family(*f.family);
  if (f.expected_size) {
    o.expected_size = *f.expected_size;
  } else if (data_rows && *data_rows > 0) {
    o.expected_size = static_cast<std::size_t>(*data_rows);
  }
  if (f.bands.has_value() != f.rows.has_value())
    throw UsageError("give --bands and --rows-per-band together");
  if (f.bands) {
    o.num_bands = f.bands;
    o.rows_per_band = f.rows;
    if (!f.num_perm) o.num_perm = *f.bands * *f.rows;
  }
  if (f.threshold) o.similarity_threshold = *f.threshold;
  if (f.seed) o.seed = *f.seed;
  if (f.projection_generator) o.projection_generator = parse_projection_generator(*f.projection_generator);
  if (f.buffer_size) o.buffer_size = *f.buffer_size;
  const std::size_t asked = o.num_perm;
  const bool sized = o.expected_size && !o.num_bands;
  Index index = Index::open(std::move(store), std::move(o), OpenOptions{}, std::move(fetcher));
  const IndexConfig& c = index.config();
  if (sized && c.num_perm != asked && !data.quiet) {
    // Said once, with the reason: stats would otherwise show a num_perm nobody asked for.
    std::cerr << "lshrs: num_perm " << asked << " became " << c.num_perm << ": " << c.num_bands
              << " whole bands of " << c.rows_per_band << " rows, bits per band sized for "
              << *c.expected_size << " vectors (--bands and --rows-per-band choose them)\n";
  }
  return index;
}

void check_dim(std::size_t data_dim, const std::string& what, const Index& index) {
  if (data_dim == index.config().dim) return;
  throw InvalidArgument("wrong dimension: " + what + " has vectors of dimension " +
                        std::to_string(data_dim) + ", but the index under prefix \"" +
                        quote_user_text(index.config().prefix) + "\" has dimension " +
                        std::to_string(index.config().dim));
}


}  // namespace lshrs::cli
