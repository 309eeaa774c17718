// The `lshrs` tool against keys it did not write, or no longer describes
// (issue 22 items 3 and 6), on the test redis-server: an index is never
// created over leftovers of another layout, a bucket member that is not an
// id is refused by name, a signature of the wrong length is refused instead
// of a "removed" that leaves the id in its buckets. Every refused request
// leaves the keys as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"
#include "lshrs/store.hpp"

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

// ---- 6: foreign members and signatures ---------------------------------------

TEST_F(CliForeignDataTest, BucketMemberThatIsNotAnIdIsRefusedByName) {
  if (url_.empty()) return;
  const auto base = write_data("base.npy", 200, 8, 5);
  ASSERT_EQ(lshrs(cat({"index", base, "--bands", "4", "--rows-per-band", "2", "-q"}, at(prefix_))).code, 0);
  const auto queries = head_rows(base, 1, "queries.npy");
  ASSERT_EQ(lshrs(cat({"query", queries, "-k", "1"}, at(prefix_))).code, 0);
  std::vector<std::string> buckets;
  for (const auto& k : keys_of(prefix_)) {
    if (k.find(":bucket:") != std::string::npos) buckets.push_back(prefix_ + k);
  }
  ASSERT_FALSE(buckets.empty());
  for (const std::string member : {"-5", "+7", "007", "1.5", "abc", "99999999999999999999"}) {
    SCOPED_TRACE(member);
    // In every bucket, so that the query reads one whatever it probes.
    for (const auto& b : buckets) command({"SADD", b, member});
    const CliRun r = lshrs(cat({"query", queries, "-k", "1", "--json"}, at(prefix_)));
    EXPECT_EQ(r.code, 4) << r.out << r.err;
    expect_one_error_line(r, "member '" + member + "'");
    EXPECT_NE(r.err.find(prefix_ + ":"), std::string::npos) << "the key is named: " << r.err;
    for (const auto& b : buckets) command({"SREM", b, member});
  }
  EXPECT_EQ(lshrs(cat({"query", queries, "-k", "1"}, at(prefix_))).code, 0);
}

// Results are written as they are answered (issue 22 item 7): a failure at
// the third query keeps the first two on stdout. Before, every result was
// held to the end, and the failure lost them all.
TEST_F(CliForeignDataTest, ResultsAnsweredBeforeAFailureAreKept) {
  if (url_.empty()) return;
  const auto base = write_data("base.npy", 120, 8, 9);
  ASSERT_EQ(lshrs(cat({"index", base, "--bands", "1", "--rows-per-band", "8", "-q"}, at(prefix_))).code, 0);
  // One band: each row's bucket is its signature, kept in the range hash.
  auto bucket_of = [&](int row) {
    const std::string sig = command({"HGET", prefix_ + ":sigs:0", std::to_string(row)}).text;
    return bucket_key(prefix_, 0, std::span(reinterpret_cast<const std::uint8_t*>(sig.data()), sig.size()));
  };
  const std::string first = bucket_of(0), second = bucket_of(1);
  int third = 2;
  while (third < 120 && (bucket_of(third) == first || bucket_of(third) == second)) ++third;
  ASSERT_LT(third, 120) << "no row in a third bucket";
  command({"SADD", bucket_of(third), "-5"});
  const CliRun r = lshrs(cat({"query", base, "--rows", "0,1," + std::to_string(third), "-k", "1",
                              "--probes", "0", "--json", "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 4) << r.err;
  expect_one_error_line(r, "member '-5'");
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0]["query"], 0);
  EXPECT_EQ(lines[1]["query"], 1);
}

// A meta stripped of its "signatures" field declares the per-id protocol of
// earlier releases; with range hashes present, writing per-id records beside
// them counted every id twice (20 ids for 10) and could leave ids in two
// buckets per band. Now a write or a delete is refused, the index unchanged.
TEST_F(CliForeignDataTest, AMetaThatLostItsSignatureLayoutIsRefused) {
  if (url_.empty()) return;
  const auto base = write_data("base.npy", 10, 8, 7);
  ASSERT_EQ(lshrs(cat({"index", base, "--bands", "4", "--rows-per-band", "4", "-q"}, at(prefix_))).code, 0);
  std::string meta = command({"GET", prefix_ + ":meta"}).text;
  const std::string field = ",\"signatures\":\"ranges/128\"";
  const auto at_field = meta.find(field);
  ASSERT_NE(at_field, std::string::npos) << meta.substr(0, 300);
  meta.erase(at_field, field.size());
  command({"SET", prefix_ + ":meta", meta});
  const auto before = snapshot(prefix_);
  const CliRun again = lshrs(cat({"index", base, "-q"}, at(prefix_)));
  EXPECT_EQ(again.code, 4) << again.out << again.err;
  expect_one_error_line(again, prefix_ + ":sigs:0");
  const CliRun del = lshrs(cat({"delete", "--ids", "3"}, at(prefix_)));
  EXPECT_EQ(del.code, 4) << del.out << del.err;
  expect_one_error_line(del, "\"signatures\" field");
  EXPECT_EQ(snapshot(prefix_), before) << "a refused write changed the index";
}

TEST_F(CliForeignDataTest, SignatureOfTheWrongLengthIsRefusedNotReportedRemoved) {
  if (url_.empty()) return;
  const auto base = write_data("base.npy", 50, 8, 6);
  ASSERT_EQ(lshrs(cat({"index", base, "--bands", "8", "--rows-per-band", "4", "-q"}, at(prefix_))).code, 0);
  const std::string range = prefix_ + ":sigs:0";
  command({"HSET", range, "0", "toolongvalue"});
  const auto before = snapshot(prefix_);
  const CliRun r = lshrs(cat({"delete", "--ids", "0"}, at(prefix_)));
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("removed 1"), std::string::npos) << r.out;
  expect_one_error_line(r, range);
  EXPECT_NE(r.err.find("id 0"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(prefix_), before) << "a refused delete changed the index";
  // Re-indexing the id is refused the same way (its old buckets are unknown).
  const CliRun again = lshrs(cat({"index", base, "-q"}, at(prefix_)));
  EXPECT_NE(again.code, 0);
  expect_one_error_line(again, range);
}

}  // namespace
}  // namespace lshrs::testing
