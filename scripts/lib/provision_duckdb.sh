#!/usr/bin/env bash
# Provisions DuckDB's C API (duckdb.h + libduckdb.so) for the Parquet adapter,
# from npm registry packages, because Debian 12 ships no libduckdb.
#
#   scripts/lib/provision_duckdb.sh        (called by scripts/setup)
#
# Does nothing when a system duckdb.h and libduckdb exist (CMake prefers them)
# or when <repo>/.deps/duckdb already holds a verified copy. Otherwise:
#   - duckdb.h from the tarball of npm's `duckdb@$LSHRS_DUCKDB_VERSION`
#     (package/src/duckdb/src/include/duckdb.h), and
#   - libduckdb.so from `@duckdb/node-bindings-linux-x64@$LSHRS_DUCKDB_VERSION-r.N`,
#     the newest -r.N revision the registry lists,
# both fetched with `npm pack` into a temporary directory (nothing else is
# downloaded, nothing is installed globally), then checked: the library must
# report the same version through duckdb_library_version() before the pair is
# moved into place. Linux x86-64 only (the one platform package we use).
set -euo pipefail

version=${LSHRS_DUCKDB_VERSION:-1.4.4}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=$root/.deps/duckdb
stamp=$dest/VERSION

die() { echo "provision_duckdb: $*" >&2; exit 1; }
log() { echo "provision_duckdb: $*"; }

system_has_duckdb() {
  local inc lib
  for inc in /usr/include /usr/local/include; do
    [[ -f $inc/duckdb.h ]] || continue
    for lib in /usr/lib /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/local/lib/x86_64-linux-gnu; do
      [[ -e $lib/libduckdb.so ]] && return 0
    done
  done
  return 1
}

if system_has_duckdb; then
  log "system duckdb.h and libduckdb.so found; nothing to do"
  exit 0
fi
if [[ -f $dest/include/duckdb.h && -f $dest/lib/libduckdb.so && -f $stamp ]] &&
   [[ $(cat "$stamp") == "$version "* ]]; then
  log "DuckDB $(cat "$stamp") already in $dest"
  exit 0
fi

[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] ||
  die "only Linux x86-64 is provisioned automatically (this is $(uname -s) $(uname -m)); install DuckDB's C library (duckdb.h, libduckdb.so) system-wide or in $dest/{include,lib}"
command -v npm >/dev/null || die "npm is needed to fetch DuckDB from the npm registry (apt-get install npm), or install DuckDB's C library system-wide"
command -v cc >/dev/null || die "a C compiler (cc) is needed to check the downloaded libduckdb"

tmp=$(mktemp -d /tmp/lshrs-duckdb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The newest revision of the bindings built from this DuckDB version.
revision=$(npm view @duckdb/node-bindings-linux-x64 versions --json 2>"$tmp/npm-view.err" |
  grep -oE "\"${version//./\\.}-r\.[0-9]+\"" | tr -d '"' | sort -t. -k4 -n | tail -n 1) || true
[[ -n $revision ]] || die "the npm registry lists no @duckdb/node-bindings-linux-x64@$version-r.*: $(cat "$tmp/npm-view.err")"

log "fetching duckdb@$version (header) and @duckdb/node-bindings-linux-x64@$revision (library)"
(cd "$tmp" && npm pack --silent "duckdb@$version" "@duckdb/node-bindings-linux-x64@$revision" \
  >"$tmp/npm-pack.out" 2>"$tmp/npm-pack.err") ||
  die "npm pack failed: $(tail -n 5 "$tmp/npm-pack.err")"

header_tgz=$tmp/duckdb-$version.tgz
lib_tgz=$tmp/duckdb-node-bindings-linux-x64-$revision.tgz
[[ -f $header_tgz && -f $lib_tgz ]] || die "npm pack did not produce the expected tarballs: $(ls "$tmp")"
mkdir -p "$tmp/x"
tar -xzf "$header_tgz" -C "$tmp/x" package/src/duckdb/src/include/duckdb.h ||
  die "duckdb@$version has no package/src/duckdb/src/include/duckdb.h"
tar -xzf "$lib_tgz" -C "$tmp/x" package/libduckdb.so ||
  die "@duckdb/node-bindings-linux-x64@$revision has no package/libduckdb.so"

# The header and the library must be the same release.
cat >"$tmp/version.c" <<'EOF'
#include <stdio.h>
#include "duckdb.h"
int main(void) { puts(duckdb_library_version()); return 0; }
EOF
cc -o "$tmp/version" "$tmp/version.c" -I"$tmp/x/package/src/duckdb/src/include" \
  -L"$tmp/x/package" -lduckdb -Wl,-rpath,"$tmp/x/package" ||
  die "cannot compile against the downloaded duckdb.h/libduckdb.so"
reported=$("$tmp/version") || die "the downloaded libduckdb.so does not load"
[[ $reported == "v$version" ]] ||
  die "libduckdb.so reports $reported but the header is from duckdb@$version"

mkdir -p "$dest/include" "$dest/lib"
install -m 0644 "$tmp/x/package/src/duckdb/src/include/duckdb.h" "$dest/include/duckdb.h"
install -m 0755 "$tmp/x/package/libduckdb.so" "$dest/lib/libduckdb.so"
echo "$version ($revision)" >"$stamp"
log "DuckDB $version ($revision) installed in $dest"
