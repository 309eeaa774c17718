// The `lshrs` tool against keys it no longer describes (issue 22 item 3), on
// the test redis-server: an index is never created over leftovers of another
// layout. Every refused request leaves the keys as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

class CliForeignDataTest : public CliRedisTest {
 protected:
  redis::Connection connect() const {
    RedisOptions o;
    o.url = url_;
    const auto endpoint = redis::resolve_endpoint(o);
    return redis::Connection::open(endpoint.address, endpoint.settings);
  }
  redis::Reply command(const std::vector<std::string>& argv) const {
    auto conn = connect();
    return conn.command(argv);
  }
  // Every key of `prefix` with its content (set members sorted, hash fields).
  std::map<std::string, std::vector<std::string>> snapshot(const std::string& prefix) const {
    auto conn = connect();
    std::map<std::string, std::vector<std::string>> out;
    for (const redis::Reply& k : conn.command({"KEYS", prefix + ":*"}).elements) {
      const std::string type = conn.command({"TYPE", k.text}).text;
      redis::Reply r = type == "set"    ? conn.command({"SMEMBERS", k.text})
                       : type == "hash" ? conn.command({"HGETALL", k.text})
                                        : conn.command({"GET", k.text});
      std::vector<std::string> values;
      if (r.is_array()) {
        for (const auto& e : r.elements) values.push_back(e.text);
      } else {
        values.push_back(r.text);
      }
      if (type == "set") std::sort(values.begin(), values.end());
      out[k.text] = values;
    }
    return out;
  }
};

// ---- 3: a new index over orphaned keys --------------------------------------

TEST_F(CliForeignDataTest, NewIndexOverKeysWhoseMetaWasDeletedIsRefused) {
  if (url_.empty()) return;
  const auto base = write_data("base.npy", 200, 8, 1);
  ASSERT_EQ(lshrs(cat({"index", base, "--bands", "4", "--rows-per-band", "6", "-q"}, at(prefix_))).code, 0);
  command({"DEL", prefix_ + ":meta"});
  const auto before = snapshot(prefix_);
  const auto other = write_data("base10.npy", 10, 8, 2);
  const CliRun r =
      lshrs(cat({"index", other, "--bands", "8", "--rows-per-band", "4", "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "lshrs clear --prefix " + prefix_);
  EXPECT_NE(r.err.find("no meta"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(prefix_), before) << "a refused index wrote into the prefix";

  // bench names its own way out, and takes it when told.
  const auto queries = head_rows(base, 3, "queries.npy");
  CliRun b = lshrs(cat({"bench", "--base", base, "--queries", queries, "-q"}, at(prefix_)));
  EXPECT_EQ(b.code, 3) << b.err;
  expect_one_error_line(b, "--overwrite");
  EXPECT_EQ(snapshot(prefix_), before);
  b = lshrs(cat({"bench", "--base", base, "--queries", queries, "-q", "--overwrite"}, at(prefix_)));
  EXPECT_EQ(b.code, 0) << b.err;
}

TEST_F(CliForeignDataTest, BucketsOnlyLeftoversOfAnotherShapeAreRefused) {
  if (url_.empty()) return;
  // No signatures, no meta: what the Python package writes, but 1-byte bands.
  const auto base = write_data("base.npy", 200, 8, 3);
  ASSERT_EQ(lshrs(cat({"index", base, "--bands", "4", "--rows-per-band", "6", "--no-signatures",
                       "-q"},
                      at(prefix_)))
                .code,
            0);
  command({"DEL", prefix_ + ":meta"});
  const auto before = snapshot(prefix_);
  const CliRun r =
      lshrs(cat({"index", base, "--bands", "4", "--rows-per-band", "12", "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "lshrs clear --prefix " + prefix_);
  EXPECT_EQ(snapshot(prefix_), before);
}

TEST_F(CliForeignDataTest, BucketsOnlyIndexOfTheGivenShapeIsStillOpened) {
  if (url_.empty()) return;
  // The Python package's index, built from a seed: our client given the same
  // shape reads it and may write into it, as before.
  const auto base = write_data("base.npy", 200, 8, 4);
  const std::vector<std::string> shape = {"--seed", "7", "--dim", "8", "--bands", "4",
                                          "--rows-per-band", "6"};
  ASSERT_EQ(lshrs(cat(cat({"index", base, "--no-signatures", "-q"}, shape), at(prefix_))).code, 0);
  command({"DEL", prefix_ + ":meta"});
  const auto queries = head_rows(base, 1, "queries.npy");
  const CliRun r = lshrs(cat(cat({"query", queries, "-k", "1", "--json"}, shape), at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json_lines(r.out).at(0)["ids"][0], 0);
  EXPECT_EQ(lshrs(cat(cat({"index", base, "-q"}, shape), at(prefix_))).code, 0);
}

}  // namespace
}  // namespace lshrs::testing
