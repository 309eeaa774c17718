#!/bin/bash
# bench/attribute_memory.sh — Redis memory of per-id attributes (issue 24): the same
# 200k vectors indexed with and without `lshrs index --attributes` into a private
# redis-server; used_memory per id against the JSON's own size, at Redis' default
# hash-max-listpack-value (64) and at 128. Usage: bench/attribute_memory.sh
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cd "$work"
export PATH=${LSHRS_BUILD_DIR:-$root/build/release}/tools/lshrs:$PATH
port=${PORT:-18999}
redis-server --port $port --save '' --appendonly no --daemonize yes --logfile "$work/r.log"
sleep 0.5
url=redis://127.0.0.1:$port
lshrs gen-demo --out data --rows 200000 --dim 32 --queries 5 >/dev/null 2>&1
/usr/bin/python3 - <<'PY'
import json, random
random.seed(1)
tags = ["news", "sport", "tech", "art", "food", "travel"]
with open("data/attrs.jsonl", "w") as f:
    for i in range(200000):
        f.write(json.dumps({"category": int(random.paretovariate(1.2)) % 1000, "year": random.randint(1900, 2025),
                            "tags": random.sample(tags, 2)}, separators=(",", ":")) + "\n")
PY
json_bytes=$(( $(wc -c < data/attrs.jsonl) - 200000 ))
mem() { redis-cli -p $port info memory | awk -F: '/^used_memory:/{print $2}' | tr -d '\r'; }
m0=$(mem)
lshrs index data/base.npy --redis $url --prefix plain --bands 8 --rows-per-band 12 -q >/dev/null
m1=$(mem)
lshrs index data/base.npy --redis $url --prefix attrs --bands 8 --rows-per-band 12 --attributes data/attrs.jsonl -q >/dev/null
m2=$(mem)
enc=$(redis-cli -p $port object encoding attrs:sigs:5)
echo "json bytes per id: $(awk -v b="$json_bytes" 'BEGIN { printf "%.1f", b / 200000 }')"
echo "index without attributes: $(( (m1-m0)/200000 )) B/id; with: $(( (m2-m1)/200000 )) B/id; attribute cost $(( (m2-m1-(m1-m0))/200000 )) B/id; range encoding with attributes: $enc"
redis-cli -p $port config set hash-max-listpack-value 128 >/dev/null
lshrs clear --redis $url --prefix attrs --yes >/dev/null
m3=$(mem)
lshrs index data/base.npy --redis $url --prefix attrs --bands 8 --rows-per-band 12 --attributes data/attrs.jsonl -q >/dev/null
m4=$(mem)
enc=$(redis-cli -p $port object encoding attrs:sigs:5)
echo "with hash-max-listpack-value 128: $(( (m4-m3)/200000 )) B/id; attribute cost $(( (m4-m3-(m1-m0))/200000 )) B/id; encoding $enc"
redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
