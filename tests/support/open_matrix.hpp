// Index::open's decision table, checked against any BucketStore: each
// combination of create_if_missing × error_if_exists over a prefix whose meta
// is absent, present with the same config, or present with another config.
// A refused open must leave the store exactly as it was. Shared by the unit
// suite (MemoryStore) and the Redis suite.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {

enum class MetaState { kAbsent, kSame, kDifferent };

inline const char* meta_state_name(MetaState s) {
  switch (s) {
    case MetaState::kAbsent: return "absent";
    case MetaState::kSame: return "same config";
    case MetaState::kDifferent: return "different config";
  }
  return "?";
}

// What the store holds under a prefix, read past the Index.
struct StoreSnapshot {
  std::optional<std::string> meta;
  std::uint64_t buckets = 0;
  std::uint64_t ids = 0;
  bool operator==(const StoreSnapshot&) const = default;
};

inline StoreSnapshot snapshot(BucketStore& store, const std::string& prefix) {
  const StoreStats s = store.stats(prefix);
  return {store.load_meta(prefix), s.buckets, s.ids.value_or(0)};
}

enum class Outcome { kOpened, kNotFound, kAlreadyExists, kMismatch };

inline Outcome expected_outcome(OpenOptions how, MetaState state) {
  if (state == MetaState::kAbsent) return how.create_if_missing ? Outcome::kOpened : Outcome::kNotFound;
  if (how.error_if_exists) return Outcome::kAlreadyExists;
  return state == MetaState::kSame ? Outcome::kOpened : Outcome::kMismatch;
}

// Runs every combination; `fresh_prefix(i)` names an empty prefix of `store`
// for combination i (the caller cleans them up).
template <typename FreshPrefix>
void check_open_matrix(const std::shared_ptr<BucketStore>& store, FreshPrefix fresh_prefix) {
  constexpr std::size_t kDim = 8;
  int combination = 0;
  for (const MetaState state : {MetaState::kAbsent, MetaState::kSame, MetaState::kDifferent}) {
    for (const bool create : {true, false}) {
      for (const bool error_if_exists : {false, true}) {
        const std::string prefix = fresh_prefix(combination++);
        const OpenOptions how{create, error_if_exists};
        SCOPED_TRACE(std::string("meta ") + meta_state_name(state) + ", create_if_missing=" +
                     (create ? "true" : "false") +
                     ", error_if_exists=" + (error_if_exists ? "true" : "false"));
        const IndexOptions mine = small_index_options(prefix, kDim);
        if (state != MetaState::kAbsent) {
          IndexOptions theirs = mine;
          if (state == MetaState::kDifferent) theirs.seed = mine.seed + 1;
          Index writer(theirs, store);
          writer.index(std::vector<std::int64_t>{1, 2}, random_vectors(2, kDim, 3));
        }
        const StoreSnapshot before = snapshot(*store, prefix);
        const Outcome expected = expected_outcome(how, state);
        Outcome got = Outcome::kOpened;
        std::string message;
        try {
          Index opened = Index::open(store, mine, how);
          EXPECT_EQ(opened.config().prefix, prefix);
          EXPECT_EQ(opened.config().num_bands, 4u);
          EXPECT_EQ(snapshot(*store, prefix), before) << "opening writes nothing";
          if (state == MetaState::kAbsent) {
            // Created for real: its first batch writes the meta.
            opened.index(std::vector<std::int64_t>{7}, random_vectors(1, kDim, 4));
            EXPECT_TRUE(store->load_meta(prefix).has_value());
          }
        } catch (const IndexNotFound& e) {
          got = Outcome::kNotFound;
          message = e.what();
        } catch (const IndexAlreadyExists& e) {
          got = Outcome::kAlreadyExists;
          message = e.what();
        } catch (const ConfigurationError& e) {
          got = Outcome::kMismatch;
          message = e.what();
        }
        EXPECT_EQ(static_cast<int>(got), static_cast<int>(expected)) << message;
        if (got != Outcome::kOpened) {
          EXPECT_EQ(snapshot(*store, prefix), before) << "a refused open wrote to the store";
          EXPECT_NE(message.find("\"" + prefix + "\""), std::string::npos) << message;
          EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
        }
        // Opening by prefix alone adopts whatever the meta says, never creates.
        if (state == MetaState::kAbsent && got == Outcome::kNotFound) {
          EXPECT_THROW(Index::open(store, prefix), IndexNotFound);
          EXPECT_EQ(snapshot(*store, prefix), before);
        } else if (state == MetaState::kDifferent) {
          EXPECT_EQ(Index::open(store, prefix).config().seed, mine.seed + 1);
        }
      }
    }
  }
}

}  // namespace lshrs::testing
