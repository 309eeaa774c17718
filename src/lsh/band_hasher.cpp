// The family registry behind hash_family.hpp's names and band_hasher.hpp's
// factory, and BandHasher's probe-less query_buckets().
#include "lshrs/band_hasher.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "lsh/family_probes.hpp"
#include "lshrs/cross_polytope.hpp"
#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/kmeans.hpp"

namespace lshrs {
namespace {

std::shared_ptr<const BandHasher> make_hyperplane(BandHasherSpec s) {
  if (!s.model.empty()) {
    return std::make_shared<HyperplaneHasher>(s.dim, s.num_bands, s.rows_per_band,
                                              std::move(s.model));
  }
  return std::make_shared<HyperplaneHasher>(s.dim, s.num_bands, s.rows_per_band, s.seed,
                                            s.generator);
}

std::shared_ptr<const BandHasher> make_cross_polytope(BandHasherSpec s) {
  if (!s.model.empty()) {
    return std::make_shared<CrossPolytopeHasher>(s.dim, s.num_bands, s.rows_per_band,
                                                 std::move(s.model));
  }
  return std::make_shared<CrossPolytopeHasher>(s.dim, s.num_bands, s.rows_per_band, s.seed);
}

std::shared_ptr<const BandHasher> make_kmeans(BandHasherSpec s) {
  // Index options are refused earlier, with the prefix and the way out; this
  // guards direct callers.
  if (s.model.empty()) {
    throw ConfigurationError("a k-means hasher needs its trained centroids, which no seed gives");
  }
  return std::make_shared<KMeansHasher>(s.dim, s.num_bands, s.rows_per_band, std::move(s.model));
}

struct Family {
  std::string name;
  HashFamilyTraits traits;
};

// A deque: family_name() and hash_family_traits() hand out references into
// it, which must not move when a family is added; entries never change.
class Registry {
 public:
  // The built-ins, in HashFamily's order, so their ids are the enum's values.
  Registry() {
    add("hyperplane", {.make = make_hyperplane});
    add("cross-polytope",
        {.make = make_cross_polytope, .model_width = CrossPolytopeHasher::sign_width});
    add("k-means", {.make = make_kmeans,
                    .model_rows_per_band = [](std::size_t bits) { return std::size_t{1} << bits; },
                    .check_shape = validate_kmeans_shape});
  }

  HashFamily add(std::string name, HashFamilyTraits traits) {
    if (name.empty()) throw InvalidArgument("a hash family needs a name");
    if (!traits.make) throw InvalidArgument("hash family \"" + name + "\" needs a factory");
    std::lock_guard lock(mutex_);
    for (const Family& f : families_) {
      if (f.name == name) {
        throw InvalidArgument("hash family \"" + name + "\" is already registered");
      }
    }
    families_.push_back({std::move(name), std::move(traits)});
    return static_cast<HashFamily>(families_.size() - 1);
  }

  // Null for an id never handed out.
  const Family* at(HashFamily id) const noexcept {
    std::lock_guard lock(mutex_);
    const auto i = static_cast<std::size_t>(id);
    return i < families_.size() ? &families_[i] : nullptr;
  }

  std::optional<HashFamily> find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < families_.size(); ++i) {
      if (families_[i].name == name) return static_cast<HashFamily>(i);
    }
    return std::nullopt;
  }

  // The names registered after the built-ins, for a refusal's message.
  std::string others() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (std::size_t i = kBuiltIn; i < families_.size(); ++i) {
      out += (i > kBuiltIn ? ", " : "") + families_[i].name;
    }
    return out;
  }

 private:
  static constexpr std::size_t kBuiltIn = 3;
  mutable std::mutex mutex_;
  std::deque<Family> families_;
};

Registry& registry() {
  static Registry r;
  return r;
}

const Family& registered(HashFamily id) {
  if (const Family* f = registry().at(id)) return *f;
  throw InvalidArgument("no hash family is registered with id " +
                        std::to_string(static_cast<std::size_t>(id)));
}

}  // namespace

std::string_view family_name(HashFamily family) noexcept {
  const Family* f = registry().at(family);
  return f ? std::string_view(f->name) : std::string_view("unknown");
}

HashFamily parse_family(std::string_view name) {
  if (const auto found = registry().find(name)) return *found;
  const std::string others = registry().others();
  throw InvalidArgument("unknown hash family \"" + std::string(name) +
                        "\": use hyperplane (readable by the Python package), cross-polytope or "
                        "k-means (trained: `lshrs train`)" +
                        (others.empty() ? "" : ", or a registered one: " + others));
}

HashFamily register_hash_family(std::string name, HashFamilyTraits traits) {
  return registry().add(std::move(name), std::move(traits));
}

const HashFamilyTraits& hash_family_traits(HashFamily family) { return registered(family).traits; }

std::shared_ptr<const BandHasher> make_band_hasher(BandHasherSpec spec) {
  return registered(spec.family).traits.make(std::move(spec));
}

std::vector<BucketRef> BandHasher::query_buckets(std::span<const float> queries,
                                                 std::size_t /*probes*/,
                                                 std::vector<std::size_t>& first) const {
  return detail::probed_buckets(hash(queries), {}, 0, 0, 0, first, nullptr);
}

}  // namespace lshrs
