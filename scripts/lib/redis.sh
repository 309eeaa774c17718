# shellcheck shell=bash
# Throwaway single-node redis-servers on loopback, for the integration tests.
#
#   source scripts/lib/redis.sh
#   redis_start_single DIR PORT
#       redis-server on 127.0.0.1:PORT and on the socket DIR/redis.sock, no
#       persistence, plus an ACL user for the authentication tests. Exports
#         LSHRS_TEST_REDIS_URL       redis://127.0.0.1:PORT
#         LSHRS_TEST_REDIS_UNIX_URL  unix://DIR/redis.sock
#         LSHRS_TEST_REDIS_ACL_URL   redis://USER:PASSWORD@127.0.0.1:PORT (percent-encoded)
#         LSHRS_TEST_REDIS_ACL_USER, LSHRS_TEST_REDIS_ACL_PASSWORD (raw)
#   redis_start_password DIR PORT PASSWORD
#       a second server whose default user needs PASSWORD (legacy AUTH). Exports
#         LSHRS_TEST_REDIS_PASSWORD_URL  redis://:PASSWORD@127.0.0.1:PORT (encoded)
#   redis_stop_all
#       stops every server started by these functions (by their pid files).
#
# Each server gets its own directory (log, pid file). REDIS_SERVER and
# REDIS_CLI override the binaries. The fault test starts its own server with
# appendonly; it finds redis-server on PATH (or LSHRS_TEST_REDIS_SERVER).

_REDIS_PIDFILES=()
LSHRS_TEST_REDIS_ACL_USER_DEFAULT="lshrs-test"
# Characters that must be percent-encoded in a URL, to test the decoding.
LSHRS_TEST_REDIS_ACL_PASSWORD_DEFAULT='s3cr:t@p/w%d'

_redis_ping() {  # PORT [ARGS...] -> 0 when a server answers PONG
  local port=$1
  shift
  "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$port" "$@" ping 2>/dev/null | grep -q PONG
}

_redis_urlencode() {  # STRING -> percent-encoded (RFC 3986 unreserved kept)
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

_redis_launch() {  # DIR PORT EXTRA_ARGS... -> starts a daemonized server, waits for it
  local dir=$1 port=$2
  shift 2
  if [[ -z $dir || ! $port =~ ^[0-9]+$ ]]; then
    echo "redis: usage: <function> DIR PORT" >&2
    return 2
  fi
  if _redis_ping "$port" || _redis_ping "$port" --no-auth-warning -a x; then
    echo "redis: something already answers on 127.0.0.1:$port; pick another port" >&2
    return 1
  fi
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  "${REDIS_SERVER:-redis-server}" --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --save "" --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" || {
    echo "redis: ${REDIS_SERVER:-redis-server} failed to start on port $port (see $dir/redis.log)" >&2
    return 1
  }
  _REDIS_PIDFILES+=("$dir/redis.pid")
  local deadline=$((SECONDS + 10))
  # A server with requirepass answers NOAUTH to a bare PING: any reply means up.
  until "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -qE 'PONG|NOAUTH'; do
    if ((SECONDS >= deadline)); then
      echo "redis: timed out waiting for redis-server on port $port (log: $dir/redis.log)" >&2
      return 1
    fi
    sleep 0.1
  done
}

redis_start_single() {
  local dir=$1 port=$2
  _redis_launch "$dir" "$port" --unixsocket "$dir/redis.sock" --unixsocketperm 700 || return 1
  dir=$(cd "$dir" && pwd)
  local user=${LSHRS_TEST_REDIS_ACL_USER:-$LSHRS_TEST_REDIS_ACL_USER_DEFAULT}
  local password=${LSHRS_TEST_REDIS_ACL_PASSWORD:-$LSHRS_TEST_REDIS_ACL_PASSWORD_DEFAULT}
  "${REDIS_CLI:-redis-cli}" -h 127.0.0.1 -p "$port" ACL SETUSER "$user" reset on ">$password" \
    '~*' '&*' '+@all' >/dev/null || {
    echo "redis: ACL SETUSER $user failed on port $port" >&2
    return 1
  }
  export LSHRS_TEST_REDIS_URL="redis://127.0.0.1:$port"
  export LSHRS_TEST_REDIS_UNIX_URL="unix://$dir/redis.sock"
  export LSHRS_TEST_REDIS_ACL_USER="$user"
  export LSHRS_TEST_REDIS_ACL_PASSWORD="$password"
  export LSHRS_TEST_REDIS_ACL_URL="redis://$(_redis_urlencode "$user"):$(_redis_urlencode "$password")@127.0.0.1:$port"
}

redis_start_password() {
  local dir=$1 port=$2 password=$3
  if [[ -z $password ]]; then
    echo "usage: redis_start_password DIR PORT PASSWORD" >&2
    return 2
  fi
  _redis_launch "$dir" "$port" --requirepass "$password" || return 1
  export LSHRS_TEST_REDIS_PASSWORD_URL="redis://:$(_redis_urlencode "$password")@127.0.0.1:$port"
}

_redis_kill_pidfile() {  # PIDFILE -> stops that server (TERM, KILL after 10 s), removes the file
  local pidfile=$1 pid deadline
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then kill -9 "$pid" 2>/dev/null; break; fi
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
}

redis_stop_all() {
  local pidfile pid deadline
  for pidfile in "${_REDIS_PIDFILES[@]}"; do
    [[ -f $pidfile ]] || continue
    pid=$(<"$pidfile")
    if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
      deadline=$((SECONDS + 10))
      while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
          kill -9 "$pid" 2>/dev/null
          break
        fi
        sleep 0.1
      done
    fi
    rm -f "$pidfile"
  done
  _REDIS_PIDFILES=()
  return 0
}
