#include "lshrs/memory_store.hpp"

#include "support/record_contract.hpp"

namespace lshrs::testing {
namespace {

struct MemoryFactory {
  static std::shared_ptr<BucketStore> make() { return std::make_shared<MemoryStore>(); }
};

using MemoryStores = ::testing::Types<MemoryFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StoreContract, MemoryStores);
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, RecordContract, MemoryStores);

}  // namespace
}  // namespace lshrs::testing
