// Index::open's decision table against a real redis-server: the meta read,
// the refusals and "a refused open writes nothing" hold over the wire too.
#include <gtest/gtest.h>

#include <unistd.h>

#include "integration/redis_test_env.hpp"
#include "support/open_matrix.hpp"

namespace lshrs::testing {
namespace {

TEST(IndexOpenRedis, EveryCombinationOfTheFlagsAndTheStoredMeta) {
  const auto store = single_store();
  if (!store) return;
  const std::string base = "it-open-" + std::to_string(::getpid()) + "-";
  std::vector<std::string> used;
  for (int i = 0; i < 12; ++i) store->clear(base + std::to_string(i));
  check_open_matrix(store, [&](int i) {
    used.push_back(base + std::to_string(i));
    return used.back();
  });
  for (const auto& prefix : used) store->clear(prefix);
}

}  // namespace
}  // namespace lshrs::testing
