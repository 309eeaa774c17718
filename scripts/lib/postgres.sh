# shellcheck shell=bash
# A throwaway PostgreSQL server on loopback, for the integration tests.
#
#   source scripts/lib/postgres.sh
#   pg_start DIR PORT
#       initdb in DIR/data, a server on 127.0.0.1:PORT only (its unix socket in
#       DIR/socket), trust authentication for loopback connections, and a
#       database lshrs_test. Exports
#         LSHRS_TEST_PG_DSN   postgresql://USER@127.0.0.1:PORT/lshrs_test
#   pg_stop DIR
#       stops the server of DIR (pg_ctl stop -m fast); quiet if none runs.
#
# PostgreSQL refuses to run as root. When called as root, the server runs as
# the unprivileged system user LSHRS_PG_USER (default lshrs-pg, created on
# first use; falls back to nobody if it cannot be created), which owns DIR.
# Every ancestor of DIR must then be searchable by that user: a directory that
# is not gets o+x (search only, never read). PG_BINDIR overrides where initdb,
# pg_ctl and postgres are found (default: the newest /usr/lib/postgresql/*/bin,
# else PATH).

_pg_bindir() {
  if [[ -n ${PG_BINDIR:-} ]]; then echo "$PG_BINDIR"; return; fi
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [[ -n $d && -x $d/initdb ]]; then echo "$d"; return; fi
  d=$(command -v initdb 2>/dev/null) && { dirname "$d"; return; }
  echo "postgres: initdb not found; install postgresql (Debian: apt-get install postgresql) or set PG_BINDIR" >&2
  return 1
}

# The user the server runs as (empty: the current, non-root user).
_pg_user() {
  if ((EUID != 0)); then echo ""; return; fi
  local user=${LSHRS_PG_USER:-lshrs-pg}
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$user" >/dev/null 2>&1 || true
    # Another run may have created it concurrently; only then is useradd's failure fine.
    getent passwd "$user" >/dev/null || user=nobody
  fi
  echo "$user"
}

_pg_as() {  # USER CMD... -> runs CMD as USER (or as ourselves when USER is empty)
  local user=$1
  shift
  if [[ -z $user ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# Makes every ancestor of DIR searchable by USER, so the server can reach DIR.
_pg_open_path() {  # USER DIR
  local user=$1 d=$2
  [[ -z $user ]] && return 0
  while [[ $d != / && -n $d ]]; do
    d=$(dirname "$d")
    if ! runuser -u "$user" -- test -x "$d"; then chmod o+x "$d" || return 1; fi
  done
}

pg_start() {
  local dir=$1 port=$2
  if [[ -z $dir || ! $port =~ ^[0-9]+$ ]]; then
    echo "postgres: usage: pg_start DIR PORT" >&2
    return 2
  fi
  local bin user
  bin=$(_pg_bindir) || return 1
  user=$(_pg_user)
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "postgres: something already listens on 127.0.0.1:$port; pick another port" >&2
    return 1
  fi
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  mkdir -p "$dir/socket"
  if [[ -n $user ]]; then
    chown -R "$user:" "$dir" || return 1
    chmod 700 "$dir"
    _pg_open_path "$user" "$dir" || return 1
  fi
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    # The superuser is named after the OS user so that the DSN needs no password.
    _pg_as "$user" "$bin/initdb" -D "$dir/data" -U "${user:-$(id -un)}" -A trust -E UTF8 \
      --no-locale >"$dir/initdb.log" 2>&1 || {
      echo "postgres: initdb failed (see $dir/initdb.log)" >&2
      return 1
    }
    # Loopback only, trust: the server is private to one test run.
    cat >"$dir/data/pg_hba.conf" <<'EOF'
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  fi
  _pg_as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || {
    echo "postgres: server failed to start on port $port (see $dir/postgres.log)" >&2
    return 1
  }
  echo "$port" >"$dir/port"
  local db_user=${user:-$(id -un)}
  if ! _pg_as "$user" "$bin/psql" -h "$dir/socket" -p "$port" -U "$db_user" -d postgres -XAtq \
    -c "SELECT 1 FROM pg_database WHERE datname = 'lshrs_test'" | grep -q 1; then
    _pg_as "$user" "$bin/createdb" -h "$dir/socket" -p "$port" -U "$db_user" lshrs_test || {
      echo "postgres: createdb lshrs_test failed on port $port" >&2
      return 1
    }
  fi
  export LSHRS_TEST_PG_DSN="postgresql://$db_user@127.0.0.1:$port/lshrs_test"
}

pg_stop() {
  local dir=$1
  [[ -n $dir && -f $dir/data/PG_VERSION ]] || return 0
  [[ -f $dir/data/postmaster.pid ]] || return 0
  local bin owner
  bin=$(_pg_bindir) || return 1
  owner=$(stat -c %U "$dir/data")
  [[ $owner == "$(id -un)" ]] && owner=""
  _pg_as "$owner" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
}
