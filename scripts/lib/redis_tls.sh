# shellcheck shell=bash
# Throwaway TLS redis-servers on loopback, with certificates made here by
# openssl, for the TLS integration tests.
#
#   source scripts/lib/redis_tls.sh
#   redis_tls_certs DIR
#       a private CA, a server certificate for 127.0.0.1 and localhost (SAN),
#       a client certificate, a certificate for the wrong host name
#       (wrong.example), a server certificate for 127.0.0.1 that EXPIRED in
#       2020 (issued with `openssl ca -startdate/-enddate`: OpenSSL 3.0's x509
#       cannot back-date) and a second, unrelated "other" CA. Exports
#         LSHRS_TEST_TLS_CA, LSHRS_TEST_TLS_OTHER_CA, LSHRS_TEST_TLS_CLIENT_CERT,
#         LSHRS_TEST_TLS_CLIENT_KEY
#   redis_tls_start DIR BASEPORT       (needs redis_tls_certs DIR/certs first)
#       BASEPORT:   TLS only (--port 0), clients not asked for a certificate
#       BASEPORT+1: TLS only, clients MUST present a certificate (mutual TLS)
#       BASEPORT+2: TLS only, serving the wrong-host-name certificate
#       Exports LSHRS_TEST_REDIS_TLS_URL, LSHRS_TEST_REDIS_TLS_MTLS_URL,
#       LSHRS_TEST_REDIS_TLS_WRONGHOST_URL (rediss://127.0.0.1:PORT, no CA:
#       tests add it) and LSHRS_TEST_REDIS_TLS_PORT.
#   redis_tls_start_expired DIR PORT
#       TLS only, serving the expired certificate. Exports
#       LSHRS_TEST_REDIS_TLS_EXPIRED_URL.
#   redis_tls_cluster_start DIR BASEPORT
#       3 TLS-only masters (--tls-cluster yes) on BASEPORT..BASEPORT+2 (bus
#       ports +10000). Exports LSHRS_TEST_REDIS_TLS_CLUSTER_URL.
#   redis_tls_stop_all
#
# Needs lib/redis.sh (sourced by lib/services.sh). REDIS_SERVER, REDIS_CLI and
# OPENSSL override the binaries.

_REDIS_TLS_PIDFILES=()

_tls_cli() {  # PORT ARGS... -> redis-cli over TLS with the test CA
  local port=$1
  shift
  "${REDIS_CLI:-redis-cli}" --tls --cacert "$LSHRS_TEST_TLS_CA" --cert "$LSHRS_TEST_TLS_CLIENT_CERT" \
    --key "$LSHRS_TEST_TLS_CLIENT_KEY" -h 127.0.0.1 -p "$port" "$@"
}

_tls_issue() {  # DIR NAME CA SUBJECT EXTENSIONS -> DIR/NAME.{crt,key} signed by DIR/CA
  local dir=$1 name=$2 ca=$3 subject=$4 ext=$5 ossl=${OPENSSL:-openssl}
  "$ossl" req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subject" 2>/dev/null &&
    printf '%s\n' "$ext" >"$dir/$name.ext" &&
    "$ossl" x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
      -CAcreateserial -days 7 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
}

_tls_issue_expired() {  # DIR -> DIR/expired.{crt,key}, valid 2020-01-01..02 only, signed by DIR/ca
  local dir=$1 ossl=${OPENSSL:-openssl}
  mkdir -p "$dir/expired-ca/new" && : >"$dir/expired-ca/index.txt" && echo 01 >"$dir/expired-ca/serial" &&
    printf '%s\n' "[ ca ]" "default_ca = test_ca" "[ test_ca ]" \
      "database = $dir/expired-ca/index.txt" "new_certs_dir = $dir/expired-ca/new" \
      "serial = $dir/expired-ca/serial" "default_md = sha256" "policy = any" "unique_subject = no" \
      "[ any ]" "commonName = supplied" >"$dir/expired-ca/ca.cnf" &&
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$dir/expired.ext" &&
    "$ossl" req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -keyout "$dir/expired.key" -out "$dir/expired.csr" -subj "/CN=localhost" 2>/dev/null &&
    "$ossl" ca -batch -notext -config "$dir/expired-ca/ca.cnf" -cert "$dir/ca.crt" -keyfile "$dir/ca.key" \
      -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$dir/expired.ext" \
      -in "$dir/expired.csr" -out "$dir/expired.crt" 2>/dev/null
}

redis_tls_certs() {
  local dir=$1 ossl=${OPENSSL:-openssl} ca
  mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
  for ca in ca other-ca; do
    "$ossl" req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -keyout "$dir/$ca.key" -out "$dir/$ca.crt" -days 7 -subj "/CN=lshrs test $ca" \
      2>/dev/null || { echo "redis_tls: openssl could not make the $ca" >&2; return 1; }
  done
  _tls_issue "$dir" server ca "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost" &&
    _tls_issue "$dir" wronghost ca "/CN=wrong.example" "subjectAltName=DNS:wrong.example" &&
    _tls_issue "$dir" client ca "/CN=lshrs-test-client" "extendedKeyUsage=clientAuth" &&
    _tls_issue_expired "$dir" || {
    echo "redis_tls: openssl could not issue the test certificates in $dir" >&2
    return 1
  }
  chmod 600 "$dir"/*.key
  export LSHRS_TEST_TLS_CA="$dir/ca.crt"
  export LSHRS_TEST_TLS_OTHER_CA="$dir/other-ca.crt"
  export LSHRS_TEST_TLS_CLIENT_CERT="$dir/client.crt"
  export LSHRS_TEST_TLS_CLIENT_KEY="$dir/client.key"
}

_redis_tls_launch() {  # DIR PORT CERTNAME EXTRA_ARGS... -> TLS-only server, waits for PONG
  local dir=$1 port=$2 cert=$3 certs
  shift 3
  certs=$(dirname "$LSHRS_TEST_TLS_CA")
  mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
  "${REDIS_SERVER:-redis-server}" --bind 127.0.0.1 --port 0 --tls-port "$port" \
    --tls-cert-file "$certs/$cert.crt" --tls-key-file "$certs/$cert.key" \
    --tls-ca-cert-file "$LSHRS_TEST_TLS_CA" --dir "$dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" || {
    echo "redis_tls: redis-server failed to start on TLS port $port (see $dir/redis.log)" >&2
    return 1
  }
  _REDIS_TLS_PIDFILES+=("$dir/redis.pid")
  local deadline=$((SECONDS + 10)) ping=(ping)
  # The wrong-host certificate still chains to the CA: redis-cli checks no
  # host name. The expired one fails any verification: ask without.
  [[ $cert == expired ]] && ping=(--insecure ping)
  until _tls_cli "$port" "${ping[@]}" 2>/dev/null | grep -q PONG; do
    if ((SECONDS >= deadline)); then
      echo "redis_tls: timed out waiting for the TLS server on port $port (log: $dir/redis.log)" >&2
      return 1
    fi
    sleep 0.1
  done
}

redis_tls_start() {
  local dir=$1 base=$2
  if [[ -z $dir || ! $base =~ ^[0-9]+$ || -z ${LSHRS_TEST_TLS_CA:-} ]]; then
    echo "usage: redis_tls_certs DIR/certs; redis_tls_start DIR BASEPORT" >&2
    return 2
  fi
  _redis_tls_launch "$dir/tls" "$base" server --tls-auth-clients no &&
    _redis_tls_launch "$dir/tls-mtls" "$((base + 1))" server --tls-auth-clients yes &&
    _redis_tls_launch "$dir/tls-wronghost" "$((base + 2))" wronghost --tls-auth-clients no ||
    return 1
  export LSHRS_TEST_REDIS_TLS_PORT="$base"
  export LSHRS_TEST_REDIS_TLS_URL="rediss://127.0.0.1:$base"
  export LSHRS_TEST_REDIS_TLS_MTLS_URL="rediss://127.0.0.1:$((base + 1))"
  export LSHRS_TEST_REDIS_TLS_WRONGHOST_URL="rediss://127.0.0.1:$((base + 2))"
}

redis_tls_start_expired() {
  local dir=$1 port=$2
  if [[ -z $dir || ! $port =~ ^[0-9]+$ || -z ${LSHRS_TEST_TLS_CA:-} ]]; then
    echo "usage: redis_tls_certs DIR/certs; redis_tls_start_expired DIR PORT" >&2
    return 2
  fi
  _redis_tls_launch "$dir/tls-expired" "$port" expired --tls-auth-clients no || return 1
  export LSHRS_TEST_REDIS_TLS_EXPIRED_URL="rediss://127.0.0.1:$port"
}

_redis_tls_cluster_ok() {  # PORT... -> 0 when every node reports cluster_state:ok
  local p
  for p in "$@"; do
    _tls_cli "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

redis_tls_cluster_start() {
  local dir=$1 base=$2 p nodes=()
  if [[ -z $dir || ! $base =~ ^[0-9]+$ || -z ${LSHRS_TEST_TLS_CA:-} ]]; then
    echo "usage: redis_tls_certs DIR/certs; redis_tls_cluster_start DIR BASEPORT" >&2
    return 2
  fi
  for p in "$base" "$((base + 1))" "$((base + 2))"; do
    rm -f "$dir/$p/nodes.conf"
    _redis_tls_launch "$dir/$p" "$p" server --tls-auth-clients no --tls-cluster yes \
      --tls-replication yes --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
      --cluster-node-timeout 5000 || return 1
    nodes+=("127.0.0.1:$p")
  done
  if ! "${REDIS_CLI:-redis-cli}" --tls --cacert "$LSHRS_TEST_TLS_CA" --cluster create "${nodes[@]}" \
    --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1; then
    echo "redis_tls: 'redis-cli --cluster create' over TLS failed:" >&2
    cat "$dir/create.log" >&2
    return 1
  fi
  local deadline=$((SECONDS + 30))
  until _redis_tls_cluster_ok "$base" "$((base + 1))" "$((base + 2))"; do
    if ((SECONDS >= deadline)); then
      echo "redis_tls: timed out waiting for the TLS cluster to be ok" >&2
      return 1
    fi
    sleep 0.1
  done
  export LSHRS_TEST_REDIS_TLS_CLUSTER_URL="rediss://127.0.0.1:$base"
}

redis_tls_stop_all() {
  local pidfile
  for pidfile in "${_REDIS_TLS_PIDFILES[@]}"; do _redis_kill_pidfile "$pidfile"; done
  _REDIS_TLS_PIDFILES=()
  return 0
}
