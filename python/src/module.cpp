// lshrs._core: the C++ library as a Python extension. The public Python API
// lives in the pure-Python package around it (python/lshrs), which keeps the
// original package's module paths and signatures; this module stays thin.
#include "common.hpp"

#include "lshrs/error.hpp"

namespace lshrs::python {

std::size_t rows_of(const FloatArray& a, std::size_t dim, const char* what) {
  if (a.ndim() == 1 && static_cast<std::size_t>(a.shape(0)) == dim) return 1;
  if (a.ndim() == 2 && static_cast<std::size_t>(a.shape(1)) == dim) {
    return static_cast<std::size_t>(a.shape(0));
  }
  throw InvalidArgument(std::string(what) + " must have shape (n, " + std::to_string(dim) +
                        ") or (" + std::to_string(dim) + ",)");
}

}  // namespace lshrs::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "lshrs C++ core (internal: use the lshrs package)";
  lshrs::python::bind_errors(m);
  lshrs::python::bind_hashing(m);
  lshrs::python::bind_stores(m);
  lshrs::python::bind_index(m);
  lshrs::python::bind_io(m);
  lshrs::python::bind_tune(m);
}
