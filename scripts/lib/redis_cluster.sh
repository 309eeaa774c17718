# shellcheck shell=bash
# A throwaway 3-master Redis Cluster on loopback, for the integration tests.
#
#   source scripts/lib/redis_cluster.sh
#   redis_cluster_start DIR BASEPORT   # masters on BASEPORT..BASEPORT+2 (bus ports +10000);
#                                      # exports LSHRS_TEST_REDIS_CLUSTER_URL=redis://127.0.0.1:BASEPORT
#   redis_cluster_add_replicas DIR BASEPORT
#                                      # one replica per master of the cluster started in DIR, on
#                                      # BASEPORT..BASEPORT+2 (bus ports +10000), for the reads-from-
#                                      # replicas tests; waits until each has synced and every master
#                                      # lists it in CLUSTER SLOTS
#   redis_cluster_stop DIR             # stops the servers started with DIR (by their pid files)
#
# Each node gets its own directory DIR/<port> (nodes.conf, log, pid file); no
# persistence. REDIS_SERVER and REDIS_CLI override the binaries.

_redis_cluster_ping() {  # PORT -> 0 when a server answers on it
  "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG
}

_redis_cluster_wait() {  # SECONDS DESCRIPTION COMMAND... -> 0 once COMMAND succeeds
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "redis_cluster: timed out waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

_redis_cluster_state_ok() {  # PORT... -> 0 when every node reports cluster_state:ok
  local p
  for p in "$@"; do
    "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$p" cluster info 2>/dev/null |
      grep -q '^cluster_state:ok' || return 1
  done
}

redis_cluster_start() {
  local dir=$1 base=$2
  if [[ -z $dir || ! $base =~ ^[0-9]+$ ]]; then
    echo "usage: redis_cluster_start DIR BASEPORT" >&2
    return 2
  fi
  if ((base < 1024 || base + 2 + 10000 > 65535)); then
    echo "redis_cluster: BASEPORT $base out of range: need 1024..55533 (bus ports are +10000)" >&2
    return 2
  fi
  local server=${REDIS_SERVER:-redis-server} cli=${REDIS_CLI:-redis-cli}
  local ports=("$base" "$((base + 1))" "$((base + 2))") p nodes=()
  for p in "${ports[@]}"; do
    if _redis_cluster_ping "$p"; then
      echo "redis_cluster: something already answers on 127.0.0.1:$p; pick another BASEPORT" >&2
      return 1
    fi
  done
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  for p in "${ports[@]}"; do
    mkdir -p "$dir/$p" || return 1
    rm -f "$dir/$p/nodes.conf"  # a stale config would make `--cluster create` refuse the node
    "$server" --bind 127.0.0.1 --port "$p" --dir "$dir/$p" \
      --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
      --cluster-node-timeout 5000 --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log" || {
      echo "redis_cluster: $server failed to start on port $p (see $dir/$p/redis.log)" >&2
      redis_cluster_stop "$dir"
      return 1
    }
    nodes+=("127.0.0.1:$p")
  done
  for p in "${ports[@]}"; do
    _redis_cluster_wait 10 "redis-server on port $p (log: $dir/$p/redis.log)" \
      _redis_cluster_ping "$p" || { redis_cluster_stop "$dir"; return 1; }
  done
  if ! "$cli" --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
    >"$dir/create.log" 2>&1; then
    echo "redis_cluster: 'redis-cli --cluster create' failed:" >&2
    cat "$dir/create.log" >&2
    redis_cluster_stop "$dir"
    return 1
  fi
  _redis_cluster_wait 30 "cluster_state:ok on ${nodes[*]}" _redis_cluster_state_ok "${ports[@]}" ||
    { redis_cluster_stop "$dir"; return 1; }
  export LSHRS_TEST_REDIS_CLUSTER_URL="redis://127.0.0.1:$base"
}

_redis_cluster_replica_synced() {  # PORT -> 0 when the replica's link to its master is up
  "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$1" info replication 2>/dev/null |
    grep -q 'master_link_status:up'
}

_redis_cluster_lists_replicas() {  # PORT COUNT -> 0 when CLUSTER NODES on PORT shows COUNT replicas
  local n
  n=$("${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$1" cluster nodes 2>/dev/null | grep -c ' slave ')
  ((n >= $2))
}

redis_cluster_add_replicas() {
  local dir=$1 base=$2 server=${REDIS_SERVER:-redis-server} cli=${REDIS_CLI:-redis-cli}
  if [[ -z $dir || ! $base =~ ^[0-9]+$ || ! -d $dir ]]; then
    echo "usage: redis_cluster_start DIR ...; redis_cluster_add_replicas DIR BASEPORT" >&2
    return 2
  fi
  dir=$(cd "$dir" && pwd) || return 1
  local masters=() p i r id
  for p in "$dir"/*/; do masters+=("$(basename "$p")"); done
  for ((i = 0; i < ${#masters[@]}; i++)); do
    p=${masters[i]} r=$((base + i))
    mkdir -p "$dir/$r" && rm -f "$dir/$r/nodes.conf"
    "$server" --bind 127.0.0.1 --port "$r" --dir "$dir/$r" \
      --cluster-enabled yes --cluster-config-file "$dir/$r/nodes.conf" \
      --cluster-node-timeout 5000 --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/$r/redis.pid" --logfile "$dir/$r/redis.log" || {
      echo "redis_cluster: replica failed to start on port $r (see $dir/$r/redis.log)" >&2
      return 1
    }
    _redis_cluster_wait 10 "redis-server on port $r" _redis_cluster_ping "$r" || return 1
    id=$("$cli" -h 127.0.0.1 -p "$p" cluster myid) || return 1
    "$cli" --cluster add-node "127.0.0.1:$r" "127.0.0.1:$p" --cluster-slave --cluster-master-id "$id" \
      >"$dir/$r/add-node.log" 2>&1 || {
      echo "redis_cluster: could not add 127.0.0.1:$r as a replica of 127.0.0.1:$p:" >&2
      cat "$dir/$r/add-node.log" >&2
      return 1
    }
  done
  for ((i = 0; i < ${#masters[@]}; i++)); do
    _redis_cluster_wait 30 "the cluster replica on $((base + i)) to sync" \
      _redis_cluster_replica_synced "$((base + i))" || return 1
  done
  for p in "${masters[@]}"; do
    _redis_cluster_wait 30 "127.0.0.1:$p to list ${#masters[@]} replicas" \
      _redis_cluster_lists_replicas "$p" "${#masters[@]}" || return 1
  done
}

redis_cluster_stop() {
  local dir=$1 pidfile pid
  if [[ -z $dir ]]; then
    echo "usage: redis_cluster_stop DIR" >&2
    return 2
  fi
  for pidfile in "$dir"/*/redis.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(<"$pidfile")
    if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
      # redis-server removes its pid file on a clean shutdown.
      if ! _redis_cluster_wait 10 "redis-server pid $pid to exit" \
        bash -c "! kill -0 $pid 2>/dev/null"; then
        kill -9 "$pid" 2>/dev/null
      fi
    fi
    rm -f "$pidfile"
  done
  return 0
}
