// lshrs — the exception hierarchy.
//
// Every failure that a caller can act on is reported as an exception derived
// from lshrs::Error. The branches say *who* has to act, and which component
// failed:
//   InvalidArgument    the caller passed bad data or options (fix the call);
//   ConfigurationError an index, model file or store disagrees with this
//                      client's configuration (fix the setup); IndexNotFound
//                      and IndexAlreadyExists when Index::open's OpenOptions
//                      refuse the prefix's state;
//   StorageError       the bucket store (Redis) failed; ConnectionError when
//                      it is unreachable (retry later; nothing acknowledged
//                      was lost);
//   SourceError        a vector source or fetcher (PostgreSQL, Parquet, files)
//                      could not read or parse its input; carries the location
//                      (file, row, column). SourceUnavailable when its server
//                      is unreachable or stopped answering: never a
//                      StorageError, so "Redis is down" and "PostgreSQL is
//                      down" stay apart.
// Broken internal invariants are bugs and are asserted, not thrown.
//
// Thread safety: these are plain value types.
#pragma once

#include "lshrs/export.hpp"
#include <stdexcept>
#include <string>

namespace lshrs {

class LSHRS_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LSHRS_API InvalidArgument : public Error {
 public:
  using Error::Error;
};

class LSHRS_API ConfigurationError : public Error {
 public:
  using Error::Error;
};

// Index::open with create_if_missing = false found no index under the prefix.
class LSHRS_API IndexNotFound : public ConfigurationError {
 public:
  using ConfigurationError::ConfigurationError;
};

// Index::open with error_if_exists = true found an index under the prefix.
class LSHRS_API IndexAlreadyExists : public ConfigurationError {
 public:
  using ConfigurationError::ConfigurationError;
};

class LSHRS_API StorageError : public Error {
 public:
  using Error::Error;
};

// A bucket-store (Redis) failure caused by the connection itself (refused, reset, timed
// out): the operation may succeed when retried against a live server.
class LSHRS_API ConnectionError : public StorageError {
 public:
  using StorageError::StorageError;
};

// The bucket store did not answer within its timeout (a subclass, so callers
// that retry on ConnectionError retry on it too).
class LSHRS_API TimeoutError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

class LSHRS_API SourceError : public Error {
 public:
  // `location` names where the bad data sits, e.g. "vectors.parquet row 17"
  // or "table items, id 42, column embedding"; it prefixes the message.
  SourceError(const std::string& location, const std::string& what)
      : Error(location.empty() ? what : location + ": " + what), location_(location) {}

  const std::string& location() const noexcept { return location_; }

 private:
  std::string location_;
};

// A source's or fetcher's server (PostgreSQL) cannot be reached, dropped the
// connection, or did not answer within its timeout; `location` names it
// ("PostgreSQL at db1:5432/app as reader"). Retrying later may succeed.
class LSHRS_API SourceUnavailable : public SourceError {
 public:
  using SourceError::SourceError;
};

// The source's server did not answer within its timeout.
class LSHRS_API SourceTimeout : public SourceUnavailable {
 public:
  using SourceUnavailable::SourceUnavailable;
};

}  // namespace lshrs
