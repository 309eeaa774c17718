// Shared helpers of the lshrs Python extension (lshrs._core).
//
// Python objects captured by C++ (storage objects, fetch callbacks) may be
// released from threads that do not hold the GIL, e.g. when an Index is
// destroyed inside a call that released it; PyRef takes the GIL to drop them.
// Arrays handed to Python own their C++ buffer through a capsule, so results
// are returned without a copy.
//
// Thread safety: PyRef may be copied and destroyed from any thread.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace lshrs::python {

namespace py = pybind11;

// Float32 row-major matrix as numpy hands it to us without a copy: anything
// else is converted by the Python layer (lshrs/_arrays.py) before it gets here.
using FloatArray = py::array_t<float, py::array::c_style>;
using IdArray = py::array_t<std::int64_t, py::array::c_style>;

class PyRef {
 public:
  explicit PyRef(py::object obj)
      : obj_(new py::object(std::move(obj)), [](py::object* p) {
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  const py::object& get() const { return *obj_; }

 private:
  std::shared_ptr<py::object> obj_;
};

template <typename T>
std::span<const T> as_span(const py::array_t<T, py::array::c_style>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// Moves `v` into a numpy array of `shape` without copying its elements.
template <typename T>
py::array_t<T> to_numpy(std::vector<T> v, std::vector<py::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule base(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), base);
}

// A read-only (rows, cols) view of `data`, kept alive by `owner`.
inline py::array_t<float> readonly_view(const std::vector<float>& data, std::size_t rows,
                                        std::size_t cols, py::object owner) {
  py::array_t<float> a({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)},
                       data.data(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

// Number of rows of a (n, dim) or (dim,) float32 array, after checking that
// its last axis is `dim` (the Python layer has already said so clearly).
std::size_t rows_of(const FloatArray& a, std::size_t dim, const char* what);

void bind_errors(py::module_& m);
void bind_hashing(py::module_& m);
void bind_stores(py::module_& m);
void bind_index(py::module_& m);
void bind_io(py::module_& m);
void bind_tune(py::module_& m);

}  // namespace lshrs::python

namespace lshrs {
struct StoreStats;
}
namespace lshrs::python {
// Store figures as a dict; figures the store could not compute are None.
py::dict store_stats_dict(const StoreStats& s);
}  // namespace lshrs::python
