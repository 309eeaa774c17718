// lshrs — what an id's attributes may be, checked once when written.
//
// Attributes are a flat JSON object whose values are numbers, strings,
// booleans, null, or arrays of those: exactly what a filter can read
// (docs/filters.md). They are stored as the object's compact JSON text (the
// store keeps them as opaque bytes in the id's record, beside its
// signatures), so a stored value always parses and `{"a" : 1}` and
// `{"a":1}` are one value.
//
// Thread safety: pure functions.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <string>
#include <string_view>

namespace lshrs {

// The compact text of `json`, or InvalidArgument naming `whose` ("the
// attributes of id 7") and what is wrong: not JSON, not an object, a nested
// object or array inside an array, or more than `max_bytes` compact (the
// store's kMaxAttributeBytes, passed in: filter/ sits below store/).
// Index::index() applies it; the CLI calls it to check a whole --attributes
// file before writing anything.
LSHRS_API std::string canonical_attributes(std::string_view json, std::string_view whose,
                                           std::size_t max_bytes);

}  // namespace lshrs
