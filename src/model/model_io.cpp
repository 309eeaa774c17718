// Model directories (metadata.json + projections.npz, the Python package's
// format) and the `<prefix>:meta` serialisation. Everything read is treated as
// untrusted: types, sizes and values are checked before they are used.
#include "lshrs/model_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "lshrs/safe_text.hpp"
#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"
#include "model/model_json.hpp"
#include "model/npy.hpp"
#include "model/zip_archive.hpp"
#include "util/regular_file.hpp"

namespace lshrs {
namespace fs = std::filesystem;
using detail::json;

namespace {

constexpr const char* kMetadataFile = "metadata.json";
constexpr const char* kProjectionsFile = "projections.npz";
constexpr const char* kRedactedPassword = "<REDACTED>";
// A real metadata.json is well under 1 KiB; anything this large is not one.
constexpr std::size_t kMaxMetadataBytes = 1 << 20;

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

std::string entry_name(std::size_t band) { return "arr_" + std::to_string(band) + ".npy"; }

[[noreturn]] void throw_io(const std::string& action, const fs::path& path, int error) {
  const std::string reason = error != 0 ? std::strerror(error) : "unknown error";
  throw ConfigurationError("cannot " + action + " " + quoted(path) + ": " + reason +
                           "; check the path and its permissions");
}

// Writes `bytes` to dir/name through a unique temporary file in the same
// directory, fsync'd and renamed into place: readers see the old file or the
// new one, never a torn one.
void write_atomically(const fs::path& dir, const std::string& name, std::string_view bytes) {
  static std::atomic<unsigned> counter{0};
  const fs::path target = dir / name;
  const fs::path temp = dir / ("." + name + ".tmp-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter.fetch_add(1)));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw_io("create", temp, errno);
  std::size_t done = 0;
  int error = 0;
  while (done < bytes.size() && error == 0) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    throw_io("write", target, error);
  }
  // Make the rename itself durable; failure here loses nothing already visible.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

std::string metadata_text(const Model& model) {
  const ModelConfig& c = model.config;
  const ModelRedisConfig& r = model.redis;
  json metadata;  // ordered: keys appear as the Python package writes them
  metadata["version"] = model.version;
  metadata["config"] = detail::config_json(c);
  metadata["redis_config"] = {{"host", r.host},
                              {"port", r.port},
                              {"db", r.db},
                              {"password", kRedactedPassword},
                              {"prefix", r.prefix},
                              {"decode_responses", r.decode_responses},
                              {"max_connections", r.max_connections}};
  detail::put_query_defaults(metadata, model.query_defaults);
  // Python's json.dump(indent=2) escapes non-ASCII too (ensure_ascii=True).
  return metadata.dump(2, ' ', true);
}

std::string projections_archive(const Model& model) {
  const ModelConfig& c = model.config;
  const std::size_t band_values = projection_rows_per_band(c) * projection_width(c);
  const std::size_t shape[] = {projection_rows_per_band(c), projection_width(c)};
  zip::ZipWriter writer;
  for (std::size_t b = 0; b < c.num_bands; ++b) {
    const std::span<const float> band(model.projections.data() + b * band_values, band_values);
    writer.add(entry_name(b), npy::write_float32(band, shape));
  }
  return writer.finish();
}

constexpr const char* kModelFileHint =
    "a model directory holds metadata.json and projections.npz as files";

// Opening a FIFO named metadata.json or projections.npz would wait for a
// writer forever: the one rule for file inputs (util/regular_file.hpp)
// refuses anything but a regular file before it is read.
void require_regular_file(const fs::path& path) {
  try {
    util::open_regular_file(path, kModelFileHint);
  } catch (const SourceError& e) {
    throw ConfigurationError(e.what());
  }
}

std::string read_small_file(const fs::path& path, std::size_t max_bytes) {
  try {
    return util::read_regular_file(path, max_bytes,
                                 "it is not a model's metadata.json (" + std::string(kModelFileHint) +
                                     ")");
  } catch (const SourceError& e) {
    throw ConfigurationError(e.what());
  }
}

ModelRedisConfig redis_from_json(const json& j, const std::string& where) {
  detail::JsonFields f(j, where);
  ModelRedisConfig r;
  r.host = f.string("host");
  r.port = static_cast<int>(f.integer("port", 0, 65535));
  r.db = static_cast<int>(f.integer("db", 0, std::numeric_limits<int>::max()));
  r.prefix = f.string("prefix");
  r.decode_responses = f.boolean("decode_responses");
  // redis-py accepts None (no limit); we record the Python default then.
  if (!f.is_null("max_connections")) {
    r.max_connections =
        static_cast<int>(f.integer("max_connections", 1, std::numeric_limits<int>::max()));
  }
  // "password" is deliberately never read: it is "<REDACTED>" or a secret.
  return r;
}

Model read_metadata(const fs::path& path) {
  if (!fs::exists(path)) {
    throw ConfigurationError("missing " + quoted(path) +
                             ": a model directory needs metadata.json and projections.npz");
  }
  const std::string text = read_small_file(path, kMaxMetadataBytes);
  json metadata;
  try {
    metadata = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ConfigurationError(quoted(path) +
                             " is not valid JSON: " + detail::describe_parse_error(e));
  } catch (const json::exception& e) {  // out_of_range for 1e999999
    throw ConfigurationError(quoted(path) + " is not valid JSON: " + quote_user_text(e.what(), 200));
  }
  const std::string where = quoted(path);
  if (!metadata.is_object()) {
    throw ConfigurationError(where + " must hold a JSON object, not " + metadata.type_name());
  }
  detail::JsonFields top(metadata, where);
  Model model;
  model.version = top.string("version");
  model.config = detail::config_from_json(top.object("config"), where + " \"config\"");
  model.redis = redis_from_json(top.object("redis_config"), where + " \"redis_config\"");
  model.query_defaults = detail::get_query_defaults(metadata, where);
  return model;
}

// The archive must hold exactly arr_0.npy … arr_{b-1}.npy; their declared
// sizes are checked before anything is inflated or allocated.
std::vector<std::size_t> locate_entries(const zip::ZipReader& zip, const ModelConfig& c,
                                        const std::string& where, std::size_t max_entry) {
  const auto& entries = zip.entries();
  std::string names;  // for messages: the first few entry names
  for (std::size_t i = 0; i < entries.size() && i < 6; ++i) {
    names += (i > 0 ? ", " : "") + entries[i].name;
  }
  if (entries.size() > 6) names += ", ...";
  const std::string expected = "exactly arr_0.npy ... arr_" + std::to_string(c.num_bands - 1) +
                               ".npy for num_bands = " + std::to_string(c.num_bands);
  if (entries.size() != c.num_bands) {
    throw ConfigurationError(where + " holds " + std::to_string(entries.size()) + " entries (" +
                             names + "), but metadata.json expects " + expected);
  }
  std::vector<std::size_t> order;
  for (std::size_t b = 0; b < c.num_bands; ++b) {
    const auto index = zip.find(entry_name(b));
    if (!index) {
      throw ConfigurationError(where + " has no entry " + entry_name(b) + " (it holds " + names +
                               "); expected " + expected);
    }
    if (entries[*index].size > max_entry) {
      throw ConfigurationError(where + " entry " + entry_name(b) + " declares " +
                               std::to_string(entries[*index].size) +
                               " uncompressed bytes, more than the at most " +
                               std::to_string(max_entry) + " a (" +
                               std::to_string(projection_rows_per_band(c)) + ", " +
                               std::to_string(projection_width(c)) +
                               ") float array needs; refusing to inflate it");
    }
    order.push_back(*index);
  }
  return order;
}

// Finite values and no zero row (a zero hyperplane puts every vector in one bucket).
void check_band(std::span<const float> band, std::size_t b, const ModelConfig& c,
                const std::string& where) {
  try {
    validate_projections(band, projection_width(c));
  } catch (const InvalidArgument& e) {
    throw ConfigurationError(where + " entry " + entry_name(b) + " (band " + std::to_string(b) +
                             "): " + e.what() + "; the model's projections are damaged");
  }
}

std::vector<float> read_projections(const fs::path& path, const ModelConfig& c) {
  const std::string where = quoted(path);
  if (!fs::exists(path)) {
    throw ConfigurationError("missing " + where +
                             ": a model directory needs metadata.json and projections.npz");
  }
  const std::size_t band_values = projection_rows_per_band(c) * projection_width(c);
  // float64 is accepted too, so allow 8 bytes a value plus the largest header.
  const std::size_t max_entry = band_values * 8 + npy::kMaxHeaderBytes + 12;
  try {
    require_regular_file(path);
    const zip::ZipReader zip(path);
    const std::vector<std::size_t> order = locate_entries(zip, c, where, max_entry);
    std::vector<float> projections;
    projections.reserve(c.num_bands * band_values);
    for (std::size_t b = 0; b < c.num_bands; ++b) {
      const std::string what = where + " entry " + entry_name(b);
      npy::Header header;
      std::vector<float> band;
      try {
        band = npy::read_float32(zip.read(order[b], max_entry), &header);
      } catch (const npy::NpyError& e) {
        throw ConfigurationError(what + ": " + e.what());
      }
      const std::vector<std::size_t> expected{projection_rows_per_band(c), projection_width(c)};
      if (header.shape != expected) {
        throw ConfigurationError(what + " has shape " + npy::shape_string(header.shape) +
                                 ", but metadata.json says " +
                                 (c.family == HashFamily::kKMeans ? "(2^rows_per_band, dim) = "
                                                                  : "(rows_per_band, dim) = ") +
                                 npy::shape_string(expected));
      }
      check_band(band, b, c, where);
      projections.insert(projections.end(), band.begin(), band.end());
    }
    return projections;
  } catch (const zip::ZipError& e) {
    throw ConfigurationError(where + ": " + e.what() +
                             " (is it a truncated or damaged NumPy .npz archive?)");
  }
}

}  // namespace

void save_model(const fs::path& dir, const Model& model) {
  detail::validate_model(model, "save_model");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw_io("create directory", dir, ec.value());
  if (!fs::is_directory(dir)) {
    throw ConfigurationError("cannot save a model into " + quoted(dir) + ": not a directory");
  }
  // Projections first: a crash in between leaves the old metadata.json, which
  // load_model() then checks against the new archive's shapes.
  write_atomically(dir, kProjectionsFile, projections_archive(model));
  write_atomically(dir, kMetadataFile, metadata_text(model));
}

Model load_model(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ConfigurationError("model directory " + quoted(dir) +
                             " does not exist or is not a directory");
  }
  Model model = read_metadata(dir / kMetadataFile);
  model.projections = read_projections(dir / kProjectionsFile, model.config);
  return model;
}

}  // namespace lshrs
