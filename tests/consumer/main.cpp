// Uses only the installed headers and library: indexes a few vectors and
// checks that each finds itself. Exit code 0 on success.
#include <lshrs/lshrs.hpp>

#include <cstdio>
#include <vector>

int main() {
  lshrs::IndexOptions options;
  options.dim = 4;
  options.num_perm = 16;
  lshrs::Index index(options);
  const std::vector<std::int64_t> ids{1, 2, 3};
  const std::vector<float> vectors{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  index.index(ids, vectors);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto hits = index.top_k(std::span(vectors).subspan(i * 4, 4), 1);
    if (hits.empty() || hits[0] != ids[i]) {
      std::fprintf(stderr, "consumer: vector %zu did not find itself\n", i);
      return 1;
    }
  }
  std::puts("consumer: ok");
  return 0;
}
