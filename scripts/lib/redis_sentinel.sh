# shellcheck shell=bash
# A throwaway master + replica watched by 3 sentinels on loopback, for the
# Sentinel failover and read-from-replica tests.
#
#   source scripts/lib/redis_sentinel.sh
#   redis_sentinel_start DIR BASEPORT
#       master on BASEPORT, replica on BASEPORT+1, sentinels on BASEPORT+2..+4
#       (quorum 2, down-after 1 s) monitoring the master as "lshrs-test". Exports
#         LSHRS_TEST_REDIS_SENTINEL_URL  redis+sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/lshrs-test
#         LSHRS_TEST_REDIS_SENTINEL_MASTER_URL, LSHRS_TEST_REDIS_SENTINEL_REPLICA_URL
#       (where master and replica started; a failover swaps their roles).
#   redis_sentinel_stop DIR
#
# Needs redis-sentinel (Debian's package) and lib/redis.sh, lib/redis_cluster.sh
# (sourced by lib/services.sh). REDIS_SERVER, REDIS_SENTINEL and
# REDIS_CLI override the binaries.

_sentinel_cli() { "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$@"; }

_sentinel_ready() {  # SENTINEL_PORT -> 0 when it knows the replica and the 2 other sentinels
  _sentinel_cli "$1" sentinel master lshrs-test 2>/dev/null |
    awk 'prev=="num-slaves"{s=$1} prev=="num-other-sentinels"{o=$1} {prev=$1} END{exit !(s>=1 && o>=2)}'
}

_sentinel_replica_synced() {  # PORT -> 0 when the replica's link to the master is up
  _sentinel_cli "$1" info replication 2>/dev/null | grep -q 'master_link_status:up'
}

redis_sentinel_start() {
  local dir=$1 base=$2 server=${REDIS_SERVER:-redis-server} p i
  if [[ -z $dir || ! $base =~ ^[0-9]+$ ]]; then
    echo "usage: redis_sentinel_start DIR BASEPORT" >&2
    return 2
  fi
  mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
  for i in 0 1; do
    p=$((base + i))
    mkdir -p "$dir/$p"
    local extra=()
    ((i == 1)) && extra=(--replicaof 127.0.0.1 "$base")
    "$server" --bind 127.0.0.1 --port "$p" --dir "$dir/$p" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log" "${extra[@]}" || {
      echo "redis_sentinel: redis-server failed to start on $p (see $dir/$p/redis.log)" >&2
      return 1
    }
  done
  _redis_cluster_wait 15 "the replica on $((base + 1)) to sync" _sentinel_replica_synced "$((base + 1))" ||
    return 1
  local urls=()
  for i in 2 3 4; do
    p=$((base + i))
    mkdir -p "$dir/$p"
    # Sentinel rewrites its config file: each gets its own, writable one.
    cat >"$dir/$p/sentinel.conf" <<EOF
bind 127.0.0.1
port $p
dir $dir/$p
daemonize yes
pidfile $dir/$p/redis.pid
logfile $dir/$p/sentinel.log
sentinel monitor lshrs-test 127.0.0.1 $base 2
sentinel down-after-milliseconds lshrs-test 1000
sentinel failover-timeout lshrs-test 10000
sentinel parallel-syncs lshrs-test 1
EOF
    if command -v "${REDIS_SENTINEL:-redis-sentinel}" >/dev/null; then
      "${REDIS_SENTINEL:-redis-sentinel}" "$dir/$p/sentinel.conf"
    else
      "$server" "$dir/$p/sentinel.conf" --sentinel
    fi || { echo "redis_sentinel: sentinel failed to start on $p" >&2; return 1; }
    urls+=("127.0.0.1:$p")
  done
  for i in 2 3 4; do
    _redis_cluster_wait 30 "sentinel on $((base + i)) to see the replica and its peers" \
      _sentinel_ready "$((base + i))" || return 1
  done
  local joined
  joined=$(IFS=,; echo "${urls[*]}")
  export LSHRS_TEST_REDIS_SENTINEL_URL="redis+sentinel://$joined/lshrs-test"
  export LSHRS_TEST_REDIS_SENTINEL_MASTER_URL="redis://127.0.0.1:$base"
  export LSHRS_TEST_REDIS_SENTINEL_REPLICA_URL="redis://127.0.0.1:$((base + 1))"
}

redis_sentinel_stop() {
  local dir=$1 pidfile
  [[ -n $dir ]] || { echo "usage: redis_sentinel_stop DIR" >&2; return 2; }
  for pidfile in "$dir"/*/redis.pid; do _redis_kill_pidfile "$pidfile"; done
  return 0
}
