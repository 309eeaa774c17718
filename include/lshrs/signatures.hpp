// lshrs — band signatures: what hashing produces and what a store keeps.
//
// Every hash family turns a vector into num_bands band signatures of
// band_bytes bytes each; the bytes of one band name its bucket. Signatures
// holds them for a batch of vectors, BucketRef names one bucket to read. The
// hashers (hasher.hpp, cross_polytope.hpp, kmeans.hpp) write these, the
// stores (store.hpp) read them: this header is all the two sides share, so a
// store does not depend on how signatures were computed.
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lshrs {

// Signatures of n vectors: for vector i and band b, the band_bytes bytes at
// bytes[(i·num_bands + b)·band_bytes]. Unused high bits of the last byte are 0.
struct Signatures {
  std::size_t count = 0;
  std::size_t num_bands = 0;
  std::size_t band_bytes = 0;
  std::vector<std::uint8_t> bytes;

  std::span<const std::uint8_t> band(std::size_t i, std::size_t b) const {
    return {bytes.data() + (i * num_bands + b) * band_bytes, band_bytes};
  }
  // All bands of vector i, concatenated (num_bands·band_bytes bytes).
  std::span<const std::uint8_t> row(std::size_t i) const {
    return {bytes.data() + i * num_bands * band_bytes, num_bands * band_bytes};
  }
};

// One bucket to read: a band and that band's packed signature bytes.
struct BucketRef {
  std::uint32_t band = 0;
  std::string signature;  // raw bytes, not hex
};

}  // namespace lshrs
