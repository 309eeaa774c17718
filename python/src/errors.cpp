// C++ exceptions → the Python classes of lshrs/_errors.py, which also derive
// from the built-in types users of the original package catch (ValueError,
// redis-py's ConnectionError, ...). The classes are defined in Python so that
// redis-py stays an optional, lazily imported dependency of the base classes.
#include "common.hpp"

#include "lshrs/error.hpp"

namespace lshrs::python {

namespace {

void raise(const char* name, const std::exception& e) {
  py::object cls = py::module_::import("lshrs._errors").attr(name);
  PyErr_SetString(cls.ptr(), e.what());
}

}  // namespace

void bind_errors(py::module_& m) {
  (void)m;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidArgument& e) {
      raise("InvalidArgumentError", e);
    } catch (const ConfigurationError& e) {
      raise("ConfigurationError", e);
    } catch (const ConnectionError& e) {
      raise("RedisConnectionError", e);
    } catch (const StorageError& e) {
      raise("StorageError", e);
    } catch (const SourceUnavailable& e) {
      raise("SourceUnavailableError", e);
    } catch (const SourceError& e) {
      raise("SourceError", e);
    } catch (const Error& e) {
      raise("Error", e);
    }
  });
}

}  // namespace lshrs::python
