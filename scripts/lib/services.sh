# shellcheck shell=bash
# Starts and stops every server the integration tests talk to, each private to
# one run directory and bound to loopback, and exports their addresses:
#   LSHRS_TEST_REDIS_URL, LSHRS_TEST_REDIS_CLUSTER_URL, LSHRS_TEST_PG_DSN (and
#   the ACL/password/unix-socket variants that lib/redis.sh adds), the TLS
#   servers, TLS cluster and certificates of lib/redis_tls.sh
#   (LSHRS_TEST_REDIS_TLS_URL, LSHRS_TEST_REDIS_TLS_CLUSTER_URL, LSHRS_TEST_TLS_CA...)
#   and the Sentinel group of lib/redis_sentinel.sh (LSHRS_TEST_REDIS_SENTINEL_URL).
#   The plain cluster has one replica per master (redis_cluster_add_replicas).
#   source scripts/lib/services.sh; services_start DIR; ...; services_stop DIR
_services_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=redis.sh
source "$_services_lib/redis.sh"
# shellcheck source=redis_cluster.sh
source "$_services_lib/redis_cluster.sh"
# shellcheck source=redis_tls.sh
source "$_services_lib/redis_tls.sh"
# shellcheck source=redis_sentinel.sh
source "$_services_lib/redis_sentinel.sh"
if [[ -f $_services_lib/postgres.sh ]]; then
  # shellcheck source=postgres.sh
  source "$_services_lib/postgres.sh"
fi

_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A base port such that base..base+COUNT-1 and their +10000 cluster-bus twins are free.
# All of them stay below the kernel's ephemeral range (32768 and up by
# default): a port that an outgoing connection holds as its local end does not
# answer a probe, yet a server cannot bind it (a Sentinel's link took a
# cluster node's bus port that way, and the node died at start).
free_port_block() {
  local count=$1 base p ok
  for _ in $(seq 1 50); do
    base=$((10000 + RANDOM % (22700 - 10000 - count)))
    ok=1
    for ((p = base; p < base + count; p++)); do
      if _port_in_use "$p" || _port_in_use "$((p + 10000))"; then ok=0; break; fi
    done
    if ((ok)); then echo "$base"; return 0; fi
  done
  echo "services: no free loopback ports found" >&2
  return 1
}

services_start() {
  local dir=$1 base
  base=$(free_port_block 8)
  redis_start_single "$dir/redis" "$base"
  redis_start_password "$dir/redis-password" "$((base + 1))" "legacy-$RANDOM-pw"
  redis_cluster_start "$dir/cluster" "$((base + 3))"
  if declare -F pg_start >/dev/null; then
    pg_start "$dir/postgres" "$((base + 7))"
  fi
  # Picked after the servers above listen, so the blocks cannot overlap them.
  base=$(free_port_block 12)
  redis_tls_certs "$dir/certs"
  redis_tls_start "$dir/tls" "$base"
  redis_tls_cluster_start "$dir/tls-cluster" "$((base + 3))"
  redis_sentinel_start "$dir/sentinel" "$((base + 6))"
  redis_tls_start_expired "$dir/tls" "$((base + 11))"
  base=$(free_port_block 3)
  redis_cluster_add_replicas "$dir/cluster" "$base"
  export CI_SERVICES_READY=1
}

services_stop() {
  local dir=$1
  if declare -F pg_stop >/dev/null; then pg_stop "$dir/postgres" || true; fi
  redis_cluster_stop "$dir/cluster" || true
  redis_sentinel_stop "$dir/sentinel" || true
  redis_tls_stop_all || true
  redis_stop_all || true
}
