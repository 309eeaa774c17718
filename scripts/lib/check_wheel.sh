#!/usr/bin/env bash
# The wheel as a user without a compiler gets it: `pip wheel` packages the
# tested build tree (LSHRS_PREBUILT_DIR: no second build), `pip install
# --no-index` puts it into a fresh venv (numpy from Debian, through
# --system-site-packages), the build tree and the fetched DuckDB are moved
# away, and from that venv: lshrs imports, its extension resolves every library
# a bare Debian 12 lacks inside the venv (ldd, no LD_LIBRARY_PATH; the rest
# owned by packages of a bare debian:12, per dpkg), and the
# README's Python quick start runs, loading liblshrs and DuckDB from the venv
# only. The moved trees are put back whatever happens.
#
#   scripts/lib/check_wheel.sh BUILD SCRATCH     (LSHRS_REDIS_URL: a redis-server)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "$1" && pwd)
scratch=$2
python=${LSHRS_PYTHON:-/usr/bin/python3}
: "${LSHRS_REDIS_URL:?names the redis-server the quick start writes to}"
mkdir -p "$scratch"

LSHRS_PREBUILT_DIR=$build "$python" -m pip wheel --no-build-isolation --no-deps \
  --disable-pip-version-check -w "$scratch/wheelhouse" "$root/python"
wheel=$(ls "$scratch"/wheelhouse/lshrs-*.whl)
"$python" -m venv --system-site-packages "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --no-index --no-deps --disable-pip-version-check "$wheel"
"$python" - "$root/README.md" >"$scratch/quickstart.py" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text[text.index("\n### Python\n"):]
print(re.search(r"```python\n(.*?)```", section, re.S).group(1))
PY

moved=()
restore() {
  local pair
  for pair in "${moved[@]}"; do mv "${pair#*|}" "${pair%%|*}"; done
}
trap restore EXIT
for dir in "$build" "$root/.deps"; do
  if [[ -e $dir ]]; then mv "$dir" "$dir.moved-by-check-wheel"; moved+=("$dir|$dir.moved-by-check-wheel"); fi
done

cd "$scratch"
env -u PYTHONPATH -u LD_LIBRARY_PATH -u LD_PRELOAD VENV="$scratch/venv" ROOT="$root" \
  "$scratch/venv/bin/python" - "$scratch/quickstart.py" <<'PY'
import os, re, runpy, subprocess, sys
venv = os.path.realpath(os.environ["VENV"])
import lshrs, lshrs._core
for module in (lshrs, lshrs._core):
    assert os.path.realpath(module.__file__).startswith(venv + "/"), module.__file__
libs = os.path.realpath(os.path.join(os.path.dirname(lshrs._core.__file__), "_libs"))
# Every library the extension loads is in the wheel's _libs or comes from a
# package every bare debian:12 has (dpkg; the setup check's package closure).
sys.path.insert(0, os.path.join(os.environ["ROOT"], "scripts", "lib"))
import check_setup_commands as debian
pkgs, provides = debian.installed_packages()
bare, owners = debian.bare_debian_packages(pkgs, provides), debian.file_owners()
ldd = subprocess.run(["ldd", lshrs._core.__file__], capture_output=True, text=True, check=True)
for line in ldd.stdout.splitlines():
    assert "not found" not in line, line
    m = re.match(r"\s*(\S+) => (\S+)", line)
    if m and os.path.dirname(os.path.realpath(m.group(2))) != libs:
        assert debian.owner(m.group(2), owners) in bare, (line, debian.owner(m.group(2), owners))
runpy.run_path(sys.argv[1], run_name="__main__")
maps = {line.split()[-1] for line in open("/proc/self/maps") if "/" in line}
for name in ("liblshrs.so.0", "libduckdb.so", "libhiredis.so.0.14", "libpq.so.5"):
    paths = [p for p in maps if os.path.basename(p) == name]
    assert paths and all(os.path.realpath(p).startswith(venv + "/") for p in paths), (name, paths)
print("wheel: lshrs and its libraries load from", venv)
PY
