// lshrs_soak — the workload of scripts/soak (not a benchmark, not a test):
// writers, deleters and readers on one prefix while the script injects
// faults, then a check of every acknowledged id.
//
//   lshrs_soak write  URL PREFIX WRITER SECONDS IDS OUT   # ids 0..IDS-1, shared by all writers
//   lshrs_soak delete URL PREFIX DELETER SECONDS IDS OUT  # its own ids, written then deleted
//   lshrs_soak read   URL PREFIX SECONDS OUT
//   lshrs_soak check  URL PREFIX WRITERS IDS DIR          # reads DIR/*.out, prints the figures
//
// Writer w writes id i with one of kVersions vectors (w, i, v), so the check
// knows every vector ever written for an id. A failed flush (server down,
// slot moving) is retried until it is acknowledged; only then is the batch
// counted. Each process prints "ops=N retries=M" into OUT; a deleter also
// lists, per id it owns, the last acknowledged state (vector version or
// deleted), which the check verifies exactly.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "integration/stored_signatures.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/protocol/store_options.hpp"

namespace {

using namespace lshrs;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kDim = 16, kBands = 8, kRows = 4, kBatch = 200;
constexpr int kVersions = 4;
constexpr std::int64_t kDeleterBase = 10'000'000;  // deleter d owns kDeleterBase·(d+1) + i

std::vector<float> vector_of(int writer, std::int64_t id, int version) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(id) * 1'000'003 + static_cast<std::uint64_t>(writer) * 101 +
                      static_cast<std::uint64_t>(version));
  std::normal_distribution<float> normal;
  std::vector<float> v(kDim);
  for (auto& x : v) x = normal(rng);
  return v;
}

IndexOptions soak_index(const std::string& prefix) {
  IndexOptions io;
  io.dim = kDim;
  io.num_perm = kBands * kRows;
  io.num_bands = kBands;
  io.rows_per_band = kRows;
  io.buffer_size = 1'000'000;
  io.prefix = prefix;
  return io;
}

// The writers' lease (RedisOptions::lease), short in scripts/soak so that the
// check can wait it out and repair what a killed writer left.
std::chrono::seconds soak_lease() {
  const char* text = std::getenv("LSHRS_SOAK_LEASE");
  return std::chrono::seconds(text != nullptr ? std::stoi(text) : 60);
}

std::shared_ptr<RedisStore> open_store(const std::string& url) {
  RedisOptions o;
  o.url = url;
  o.lease = soak_lease();
  o.connect_timeout = std::chrono::milliseconds(500);
  o.command_timeout = std::chrono::milliseconds(3000);
  return std::make_shared<RedisStore>(o);
}

// Runs `op` until it succeeds; counts the failed attempts.
template <typename Op>
void until_acknowledged(Op op, std::size_t& retries) {
  for (;;) {
    try {
      op();
      return;
    } catch (const StorageError& e) {
      ++retries;
      if (retries % 50 == 1) std::cerr << "soak: retrying after: " << e.what() << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// Buffers the batch once, then flushes until the store acknowledged it: a
// retry must not index the batch again (the buffer still holds it).
void index_until_acknowledged(Index& index, const std::vector<std::int64_t>& ids,
                              const std::vector<float>& vectors, std::size_t& retries) {
  bool buffered = false;
  until_acknowledged([&] {
    if (!buffered) {
      buffered = true;
      index.index(ids, vectors);
    } else {
      index.flush();
    }
  }, retries);
}

int run_write(const std::string& url, const std::string& prefix, int writer, double seconds,
              std::int64_t ids, std::ofstream& out) {
  auto store = open_store(url);
  std::unique_ptr<Index> index;
  std::size_t ops = 0, retries = 0;
  until_acknowledged([&] { index = std::make_unique<Index>(soak_index(prefix), store); }, retries);
  std::mt19937_64 rng(static_cast<std::uint64_t>(writer) + 7);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    std::set<std::int64_t> batch;
    while (batch.size() < kBatch) batch.insert(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(ids)));
    std::vector<std::int64_t> list(batch.begin(), batch.end());
    std::vector<float> vectors;
    for (const auto id : list) {
      const auto v = vector_of(writer, id, static_cast<int>(rng() % kVersions));
      vectors.insert(vectors.end(), v.begin(), v.end());
    }
    index_until_acknowledged(*index, list, vectors, retries);
    ops += list.size();
    for (const auto id : list) out << "acked " << id << "\n";
    out.flush();  // a writer may be SIGKILLed: what it acknowledged is on file
  }
  out << "ops " << ops << "\nretries " << retries << "\n";
  return 0;
}

int run_delete(const std::string& url, const std::string& prefix, int deleter, double seconds,
               std::int64_t ids, std::ofstream& out) {
  auto store = open_store(url);
  std::unique_ptr<Index> index;
  std::size_t ops = 0, retries = 0;
  until_acknowledged([&] { index = std::make_unique<Index>(soak_index(prefix), store); }, retries);
  const std::int64_t base = kDeleterBase * (deleter + 1);
  std::map<std::int64_t, int> state;  // id -> version written last, -1 deleted
  std::mt19937_64 rng(static_cast<std::uint64_t>(deleter) + 99);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    std::vector<std::int64_t> list;
    std::vector<float> vectors;
    std::vector<int> versions;
    for (std::size_t k = 0; k < kBatch; ++k) {
      const std::int64_t id = base + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(ids));
      if (std::find(list.begin(), list.end(), id) != list.end()) continue;
      const int version = static_cast<int>(rng() % kVersions);
      list.push_back(id);
      versions.push_back(version);
      const auto v = vector_of(-1 - deleter, id, version);
      vectors.insert(vectors.end(), v.begin(), v.end());
    }
    index_until_acknowledged(*index, list, vectors, retries);
    for (std::size_t k = 0; k < list.size(); ++k) state[list[k]] = versions[k];
    std::vector<std::int64_t> doomed(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(list.size() / 2));
    until_acknowledged([&] { index->remove(doomed); }, retries);
    for (const auto id : doomed) state[id] = -1;
    ops += list.size() + doomed.size();
  }
  for (const auto& [id, version] : state) out << "owned " << id << " " << version << "\n";
  out << "ops " << ops << "\nretries " << retries << "\n";
  return 0;
}

int run_read(const std::string& url, const std::string& prefix, double seconds, std::ofstream& out) {
  auto store = open_store(url);
  std::unique_ptr<Index> index;
  std::size_t ops = 0, retries = 0;
  until_acknowledged([&] { index = std::make_unique<Index>(soak_index(prefix), store); }, retries);
  std::mt19937_64 rng(5);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    const auto q = vector_of(0, static_cast<std::int64_t>(rng() % 1000), 0);
    until_acknowledged([&] { index->query(q); }, retries);
    ++ops;
  }
  out << "ops " << ops << "\nretries " << retries << "\n";
  return 0;
}

struct Expectation {
  std::vector<std::vector<float>> candidates;  // vectors it may hold; empty: must be gone
};

int run_check(const std::string& url, const std::string& prefix, int writers, std::int64_t ids,
              const std::string& dir, const std::vector<std::string>& outs) {
  std::map<std::int64_t, Expectation> expect;
  std::size_t ops = 0, retries = 0;
  for (const auto& path : outs) {
    std::ifstream in(path);
    std::string word;
    while (in >> word) {
      if (word == "ops" || word == "retries") {
        std::size_t n = 0;
        in >> n;
        (word == "ops" ? ops : retries) += n;
      } else if (word == "acked") {
        std::int64_t id = 0;
        in >> id;
        expect[id];
      } else if (word == "owned") {
        std::int64_t id = 0;
        int version = 0;
        in >> id >> version;
        const int deleter = static_cast<int>(id / kDeleterBase) - 1;
        expect[id].candidates.clear();
        if (version >= 0) expect[id].candidates.push_back(vector_of(-1 - deleter, id, version));
      }
    }
  }
  for (auto& [id, e] : expect) {
    if (id >= ids) continue;
    for (int w = 0; w < writers; ++w) {
      for (int v = 0; v < kVersions; ++v) e.candidates.push_back(vector_of(w, id, v));
    }
  }
  auto store = open_store(url);
  Index index = Index::open(store, prefix);
  RedisOptions o;
  o.url = url;
  auto transport = redis::make_transport(o);
  // A writer killed mid-flush leaves its ranges unclean until its lease ran
  // out: wait that long, then finish its work as any client may.
  std::this_thread::sleep_for(soak_lease() + std::chrono::seconds(1));
  const std::size_t repaired = store->repair(prefix, index.layout());
  std::size_t checked = 0, lost = 0, extra = 0, deleted = 0;
  // Every bucket there can be (bands × 2^rows), read once: id -> memberships.
  std::vector<BucketRef> every;
  for (std::uint32_t b = 0; b < kBands; ++b) {
    for (int v = 0; v < (1 << kRows); ++v) every.push_back({b, std::string(1, static_cast<char>(v))});
  }
  std::map<std::int64_t, std::set<std::pair<std::uint32_t, std::string>>> held;
  const auto members = store->members(prefix, every);
  for (std::size_t r = 0; r < every.size(); ++r) {
    for (const auto id : members[r]) held[id].insert({every[r].band, every[r].signature});
  }
  std::vector<std::pair<const std::int64_t, Expectation>*> all;
  for (auto& entry : expect) all.push_back(&entry);
  constexpr std::size_t kChunk = 2000;  // ids per round trip
  std::size_t busy = 0;
  for (std::size_t start = 0; start < all.size(); start += kChunk) {
    const std::size_t end = std::min(all.size(), start + kChunk);
    std::vector<std::int64_t> chunk;
    for (std::size_t k = start; k < end; ++k) chunk.push_back(all[k]->first);
    const auto sigs = testing::stored_signatures(*transport, prefix, chunk);
    for (std::size_t k = start; k < end; ++k) {
      const std::int64_t id = all[k]->first;
      const auto& e = all[k]->second;
      const testing::StoredSignature& sig = sigs[k - start];
      const auto& has = held[id];
      ++checked;
      // A range still busy after the repair is a failure, whatever it holds.
      if (!sig.clean) {
        ++busy;
        ++lost;
        if (lost <= 5) std::cerr << "soak: id " << id << ": its range is still busy " << sig.error << "\n";
        continue;
      }
      if (e.candidates.empty()) {
        ++deleted;
        if (sig.committed || !has.empty()) {
          ++extra;
          if (extra <= 5) std::cerr << "soak: deleted id " << id << " is still indexed\n";
        }
        continue;
      }
      bool ok = false;
      for (const auto& v : e.candidates) {
        const Signatures s = index.hasher().hash(v);
        const std::string row(s.bytes.begin(), s.bytes.end());
        if (sig.committed != row) continue;
        std::set<std::pair<std::uint32_t, std::string>> want;
        for (std::uint32_t b = 0; b < kBands; ++b) want.insert({b, row.substr(b, 1)});
        ok = has == want;
        break;
      }
      if (!ok) {
        ++lost;
        if (lost <= 5) {
          std::cerr << "soak: id " << id << ": " << has.size() << " memberships, signature "
                    << (!sig.committed ? "missing" : "not its buckets' vector") << "\n";
        }
      }
    }
  }
  const std::string faults = [&] {
    std::ifstream in(dir + "/faults");
    std::string s;
    std::getline(in, s);
    return s.empty() ? std::string("0") : s;
  }();
  std::printf("operations: %zu (retried %zu)\nfaults injected: %s\nranges repaired after the lease: %zu\n"
              "ids checked: %zu (%zu deleted)\nlost: %zu (%zu in a busy range)\nghosts: %zu\n",
              ops, retries, faults.c_str(), repaired, checked, deleted, lost, busy, extra);
  return lost == 0 && extra == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 7 && a[0] == "write") {
      std::ofstream out(a[6]);
      return run_write(a[1], a[2], std::stoi(a[3]), std::stod(a[4]), std::stoll(a[5]), out);
    }
    if (a.size() == 7 && a[0] == "delete") {
      std::ofstream out(a[6]);
      return run_delete(a[1], a[2], std::stoi(a[3]), std::stod(a[4]), std::stoll(a[5]), out);
    }
    if (a.size() == 5 && a[0] == "read") {
      std::ofstream out(a[4]);
      return run_read(a[1], a[2], std::stod(a[3]), out);
    }
    if (a.size() >= 6 && a[0] == "check") {
      return run_check(a[1], a[2], std::stoi(a[3]), std::stoll(a[4]), a[5],
                       std::vector<std::string>(a.begin() + 6, a.end()));
    }
  } catch (const std::exception& e) {
    std::cerr << "lshrs_soak: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: see the top of bench/soak_driver.cpp\n";
  return 2;
}
