// lshrs — TLS settings for Redis connections (rediss://), shared by
// RedisStore (redis_store.hpp) and the lshrs tool's --tls-* flags.
//
// A value type: the store builds one OpenSSL context from it when it is
// opened, and that context is shared by every connection of the store.
//
// Thread safety: a plain struct; copy it freely.
#pragma once

#include <string>

namespace lshrs {

// TLS for every connection of a store (single node and every Cluster node).
// The server's certificate chain and host name are verified by default; the
// name checked is the host dialled (an IP address is matched against the
// certificate's IP SANs) unless server_name is set.
struct RedisTlsOptions {
  bool enabled = false;     // also switched on by a rediss:// URL
  std::string ca_file;      // PEM bundle of trusted CAs; empty (and no ca_dir): the system store
  std::string ca_dir;       // OpenSSL hashed CA directory (c_rehash)
  std::string cert_file;    // client certificate (PEM chain) for mutual TLS; needs key_file
  std::string key_file;     // its private key (PEM, unencrypted)
  std::string server_name;  // SNI and the name verified, instead of the dialled host
  // Skips certificate and host name checks: anyone on the path can read and
  // change the traffic. Prints a warning on stderr when a store is opened.
  bool insecure_skip_verify = false;
};

}  // namespace lshrs
