#!/bin/bash
# Interleaved A/B of `lshrs index` ingest through a local redis-server, next
# to the same-run Redis write ceiling (redis-benchmark's pipelined SADD rate,
# flags as bench/scale/run.py) — for comparing two builds on a shared machine,
# where only same-run ratios mean anything.
# Usage: bench/scale/ingest_ab.sh CLI LIBDIR_A LIBDIR_B FILE.npy PORT [ROUNDS] [lshrs flags...]
# (the CLI resolves liblshrs through LD_LIBRARY_PATH first: its RUNPATH yields)
# Default flags: the scale benchmark's 1M configuration.
set -euo pipefail
cli=$1 a=$2 b=$3 file=$4 port=$5 rounds=${6:-3}
shift $(( $# < 6 ? $# : 6 ))
flags=("$@")
[ ${#flags[@]} -eq 0 ] && flags=(--family cross-polytope --num-perm 192)
load() { cut -d' ' -f1 /proc/loadavg; }
ceiling() {
  redis-cli -p "$port" flushall >/dev/null
  redis-benchmark -p "$port" -n 2000000 -P 64 -r 100000000 -q -t sadd --csv | grep SADD | cut -d, -f2 | tr -d '"'
  redis-cli -p "$port" flushall >/dev/null
}
echo "ceiling $(ceiling) SADD/s, load $(load)"
out=$(mktemp)
for _ in $(seq "$rounds"); do
  for side in A B; do
    lib=$a; [ $side = B ] && lib=$b
    redis-cli -p "$port" flushall >/dev/null
    LD_LIBRARY_PATH=$lib "$cli" index "$file" --redis "redis://127.0.0.1:$port" --prefix ingest-ab \
      "${flags[@]}" --json -q >"$out"
    echo "$side $(/usr/bin/python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['rows_per_second']))" "$out") vectors/s, load $(load)"
  done
done
echo "ceiling $(ceiling) SADD/s, load $(load)"
redis-cli -p "$port" flushall >/dev/null
rm -f "$out"
