// Fuzzes the `<prefix>:meta` decoder: a client opening an index decodes
// whatever the key holds, which anyone with write access to Redis can set.
// Property: an accepted meta is a consistent model that re-encodes to a meta
// decoding to the same model.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "lshrs/model_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lshrs::Model model;
  try {
    model = lshrs::decode_meta(lshrs::fuzz::as_view(data, size));
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    return 0;
  }
  const lshrs::ModelConfig& c = model.config;
  lshrs::fuzz::require_consistent(model);
  const lshrs::Model again = lshrs::decode_meta(lshrs::encode_meta(model));
  lshrs::fuzz::require(again.config.dim == c.dim && again.config.num_perm == c.num_perm &&
                           again.config.num_bands == c.num_bands &&
                           again.config.rows_per_band == c.rows_per_band &&
                           again.config.seed == c.seed && again.version == model.version,
                       "config changed by a round trip");
  lshrs::fuzz::require(lshrs::fuzz::same_bits(again.projections, model.projections),
                       "projections changed by a round trip");
  return 0;
}
