// Fuzzes the model-directory loader (load_model, `lshrs ... --model DIR`).
// The input is split at the first kSeparator line: metadata.json before it,
// projections.npz after it (no separator: no projections.npz at all).
// Property: an accepted model is consistent and survives save_model/load_model.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "lshrs/model_io.hpp"

namespace {

constexpr std::string_view kSeparator = "\n--lshrs-fuzz-npz--\n";

std::filesystem::path dir(const char* name) { return lshrs::fuzz::scratch_dir() / name; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = lshrs::fuzz::as_view(data, size);
  std::filesystem::create_directories(dir("in"));
  const auto cut = bytes.find(kSeparator);
  lshrs::fuzz::write_scratch("in/metadata.json", bytes.substr(0, cut));
  if (cut == std::string_view::npos) {
    std::filesystem::remove(dir("in") / "projections.npz");
  } else {
    lshrs::fuzz::write_scratch("in/projections.npz", bytes.substr(cut + kSeparator.size()));
  }
  lshrs::Model model;
  try {
    model = lshrs::load_model(dir("in"));
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    return 0;
  }
  const lshrs::ModelConfig& c = model.config;
  lshrs::fuzz::require_consistent(model);
  lshrs::save_model(dir("out"), model);
  const lshrs::Model again = lshrs::load_model(dir("out"));
  lshrs::fuzz::require(again.config.dim == c.dim && again.config.num_perm == c.num_perm &&
                           again.config.rows_per_band == c.rows_per_band,
                       "config changed by save/load");
  lshrs::fuzz::require(lshrs::fuzz::same_bits(again.projections, model.projections),
                       "projections changed by save/load");
  return 0;
}
