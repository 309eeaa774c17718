// Hasher, tuning math and cosine similarity for lshrs.hash / lshrs.utils.
#include <pybind11/stl.h>

#include "common.hpp"

#include "lshrs/error.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/tuning.hpp"

namespace lshrs::python {

namespace {

// Signatures as a (n, bands, band_bytes) uint8 array, without a copy.
py::array_t<std::uint8_t> signatures_array(Signatures sigs) {
  const auto shape = std::vector<py::ssize_t>{static_cast<py::ssize_t>(sigs.count),
                                              static_cast<py::ssize_t>(sigs.num_bands),
                                              static_cast<py::ssize_t>(sigs.band_bytes)};
  return to_numpy(std::move(sigs.bytes), shape);
}

}  // namespace

void bind_hashing(py::module_& m) {
  py::class_<Hasher, std::shared_ptr<Hasher>>(m, "Hasher")
      .def(py::init<std::size_t, std::size_t, std::size_t, std::uint64_t>(), py::arg("dim"),
           py::arg("num_bands"), py::arg("rows_per_band"), py::arg("seed"))
      .def(py::init([](std::size_t dim, std::size_t bands, std::size_t rows, const FloatArray& p) {
             const auto s = as_span(p);
             return std::make_shared<Hasher>(dim, bands, rows, std::vector<float>(s.begin(), s.end()));
           }),
           py::arg("dim"), py::arg("num_bands"), py::arg("rows_per_band"), py::arg("projections"))
      .def_property_readonly("dim", &Hasher::dim)
      .def_property_readonly("num_bands", &Hasher::num_bands)
      .def_property_readonly("rows_per_band", &Hasher::rows_per_band)
      // A read-only view of the matrix, alive as long as the Hasher is.
      .def_property_readonly("projections",
                             [](py::object self) {
                               const auto& h = self.cast<const Hasher&>();
                               return readonly_view(h.projections(),
                                                    h.num_bands() * h.rows_per_band(), h.dim(), self);
                             })
      .def("hash", [](const Hasher& h, const FloatArray& vectors) {
        const std::size_t n = rows_of(vectors, h.dim(), "vectors");
        (void)n;
        Signatures sigs;
        {
          py::gil_scoped_release release;
          sigs = h.hash(as_span(vectors));
        }
        return signatures_array(std::move(sigs));
      }, py::arg("vectors"));

  m.def("bit_agreement", &bit_agreement, py::arg("cosine"));
  m.def("candidate_probability", &candidate_probability, py::arg("cosine"), py::arg("bands"),
        py::arg("rows"));
  m.def("threshold_cosine", &threshold_cosine, py::arg("bands"), py::arg("rows"));
  m.def(
      "false_rates",
      [](std::size_t b, std::size_t r, double t) {
        const auto rates = false_rates(b, r, t);
        return py::make_tuple(rates.false_positive, rates.false_negative);
      },
      py::arg("bands"), py::arg("rows"), py::arg("threshold"));
  // (bands, rows, threshold_cosine, false_positive, false_negative) per divisor.
  m.def(
      "band_configs",
      [](std::size_t num_perm, double threshold) {
        py::list out;
        for (const auto& c : band_configs(num_perm, threshold)) {
          out.append(py::make_tuple(c.bands, c.rows, c.threshold, c.rates.false_positive,
                                    c.rates.false_negative));
        }
        return out;
      },
      py::arg("num_perm"), py::arg("threshold"));
  m.def(
      "choose_bands",
      [](std::size_t num_perm, double threshold, double fp_weight, double fn_weight) {
        const auto c = choose_bands(num_perm, threshold, fp_weight, fn_weight);
        return py::make_tuple(c.bands, c.rows);
      },
      py::arg("num_perm"), py::arg("threshold"), py::arg("fp_weight") = 0.5,
      py::arg("fn_weight") = 0.5);
  m.def(
      "cosine_similarities",
      [](const FloatArray& query, const FloatArray& rows) {
        std::vector<float> out;
        {
          py::gil_scoped_release release;
          out = cosine_similarities(as_span(query), as_span(rows));
        }
        const auto n = static_cast<py::ssize_t>(out.size());
        return to_numpy(std::move(out), {n});
      },
      py::arg("query"), py::arg("rows"));
}

}  // namespace lshrs::python
