// lshrs — which symbols liblshrs exports.
//
// The library is built with hidden visibility (CXX_VISIBILITY_PRESET hidden,
// VISIBILITY_INLINES_HIDDEN): only declarations marked LSHRS_API — the
// classes and functions of include/lshrs/ — are part of its ABI; everything
// in src/ stays private to the .so, so it can change without breaking users
// and does not clash with their own symbols. Exception classes are exported
// too, so that their type information is one across the library boundary.
//
// Thread safety: preprocessor definitions.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define LSHRS_API __attribute__((visibility("default")))
// For the private parts of exported classes (a pimpl's Impl), which would
// otherwise inherit the class's visibility.
#define LSHRS_LOCAL __attribute__((visibility("hidden")))
#else
#define LSHRS_API
#define LSHRS_LOCAL
#endif
