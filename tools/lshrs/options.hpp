// lshrs CLI — flags shared by several subcommands, and what they build: the
// bucket store (--redis/--store/--prefix), vector sources and fetchers
// (--from/--vectors and each source's options), and the index itself (a model
// directory, the config flags, or the meta an existing index keeps in Redis).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lshrs/fetcher.hpp"
#include "lshrs/files.hpp"
#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "lshrs/source.hpp"
#include "lshrs/store.hpp"

namespace CLI {
class App;
class Option;
}

namespace lshrs::cli {

// Makes an unsigned option accept only a plain whole number that fits its
// type: CLI11 would read "-1" as 2^64-1 and a 30-digit number as the maximum.
// Returns `option` for chaining.
CLI::Option* whole_number(CLI::Option* option);

// Refuses a subcommand path whose component (Redis, Parquet, PostgreSQL) was
// left out of this build, naming the CMake option that brings it back.
[[noreturn]] void built_without(const char* component, const char* option);

struct StoreFlags {
  std::string store = "redis";  // redis | memory
  std::string redis_url;        // default: $LSHRS_REDIS_URL, $REDIS_URL, redis://127.0.0.1:6379
  std::string prefix = "lsh";
  std::string cluster = "auto";  // auto | on | off
  double timeout_seconds = 5;
  bool no_signatures = false;
  RedisTlsOptions tls;  // --tls, --tls-ca, --tls-cert, ... (a rediss:// URL turns TLS on too)
  bool read_from_replicas = false;  // --read-from-replicas (or ?read_from_replicas=true)
};
// `allow_memory`: whether --store memory makes sense for this subcommand.
void add_store_flags(CLI::App& app, StoreFlags& flags, bool allow_memory);
std::shared_ptr<BucketStore> make_store(const StoreFlags& flags);

enum class SourceKind { kNpy, kFvecs, kParquet, kPostgres };

// Where vectors come from: a kind and its location (a path, a glob, a DSN).
struct SourceSpec {
  SourceKind kind = SourceKind::kNpy;
  std::string location;
};

// Per-source options; which apply depends on the kind.
struct SourceFlags {
  std::optional<std::string> ids_file;       // npy: int64 ids, one per row
  std::optional<std::string> id_column;      // parquet (index) / postgres (id)
  std::optional<std::string> vector_column;  // parquet (vector) / postgres (embedding)
  std::string dsn, table, where, order_by, sql;
  std::vector<std::string> params;
  std::optional<std::uint64_t> limit;
  std::size_t batch_size = 10'000;
  double timeout_seconds = 5;  // the subcommand's --timeout (StoreFlags), copied in before use
  // npy fetchers: chosen by the subcommand (a few queries read few rows), no flag.
  NpyResidency npy_residency = NpyResidency::kAuto;
};
void add_source_flags(CLI::App& app, SourceFlags& flags);

// `spec` is a kind (npy, fvecs, parquet, postgres) whose location is
// `fallback_location`, or KIND:LOCATION, or a postgres:// URI, or a path whose
// extension (or glob, or directory) tells the kind. UsageError when unclear.
SourceSpec parse_source_spec(const std::string& spec, const std::string& fallback_location,
                             const SourceFlags& flags);
std::unique_ptr<VectorSource> make_source(const SourceSpec& spec, const SourceFlags& flags);
std::shared_ptr<VectorFetcher> make_fetcher(const SourceSpec& spec, const SourceFlags& flags);
const char* kind_name(SourceKind kind);

// The index's shape: a model directory or explicit settings.
struct ConfigFlags {
  std::string model_dir;
  std::optional<std::size_t> dim, num_perm, bands, rows, buffer_size;
  std::optional<double> threshold;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> projection_generator;  // numpy | lshrs-v0
  std::optional<std::string> family;                // --family
  std::optional<std::size_t> expected_size;         // --expected-size
  bool any_shape_flag() const {
    return dim || num_perm || bands || rows || threshold || seed || projection_generator ||
           family || expected_size;
  }
};
// `rows_alias`: also accept --rows for --rows-per-band (not in `query`,
// where --rows selects input rows).
void add_config_flags(CLI::App& app, ConfigFlags& flags, bool rows_alias = true);

// The index to write into or query:
//  - with --model: that model's projections and config under `prefix`;
//  - else, when the store already holds an index under `prefix`: that one
//    (given config flags must agree with it);
//  - else, with no configuration flag and rows of the data at hand
//    (`data.sample`), the configuration auto_configure() measures on them
//    (auto_config.hpp), said on stderr unless `data.quiet`;
//  - else a new one from the flags, its dim from --dim or `data_dim`, and
//    its bands sized for --expected-size or else `data.rows` (the source's
//    row count, when known).
// `create` false refuses the last cases unless config flags are given: an index
// that the Python package built from a seed has buckets but no meta, and the
// seed (with --dim, --bands, --rows-per-band) is all it takes to read it.
struct DataSample {
  std::vector<float> rows;  // row-major, data_dim wide
  std::vector<std::int64_t> ids;
};
struct DataAtHand {
  std::optional<std::uint64_t> rows;  // in the whole data, when known
  // Rows of the data, asked for only when the configuration is chosen from them.
  std::function<DataSample()> sample;
  // A fresh source of the whole data, from its start (for the exact
  // neighbours the probe budget is calibrated against); none: the sample's.
  std::function<std::unique_ptr<VectorSource>()> reread;
  bool quiet = false;
};
Index make_index(const ConfigFlags& config, const std::string& prefix,
                 std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher,
                 std::optional<std::size_t> data_dim, bool create, const DataAtHand& data = {});

// A source whose first batch (or, with `hold_rows`, its first whole batches
// up to that many rows) has been read ahead, to learn the dimension and
// sample the data before the index exists; next() replays them first.
class PeekedSource final : public VectorSource {
 public:
  explicit PeekedSource(std::unique_ptr<VectorSource> inner, std::size_t hold_rows = 0);
  // The data's dimension; empty when the source has no rows.
  std::optional<std::size_t> dim() const { return dim_; }
  // The rows read ahead with their ids; reads further batches until `rows`
  // are held (or the source ends) when it holds fewer.
  DataSample held_rows(std::size_t rows);
  // Rows read ahead and not yet replayed.
  std::size_t held_count() const;
  bool next(VectorBatch& batch) override;
  std::optional<std::uint64_t> total_rows() const override { return inner_->total_rows(); }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::unique_ptr<VectorSource> inner_;
  std::deque<VectorBatch> held_;
  bool ended_ = false;
  std::optional<std::size_t> dim_;
};

// Refuses data whose dimension differs from the index's, naming both.
void check_dim(std::size_t data_dim, const std::string& what, const Index& index);


}  // namespace lshrs::cli
