#!/usr/bin/env bash
# Times `graflowctl queue depth` against `redis-cli LLEN` on the same local Redis, in one
# run, and prints both and the ratio; then the same over TLS (rediss://, a CA made here by
# openssl) beside `redis-cli --tls`. Each is one process start plus one round trip.
# Usage: bench/queue-depth/run.sh [path/to/graflowctl]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --bench
bin=${1:-build/release/cli/graflowctl}
if [ ! -x "$bin" ]; then
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DGRAFLOW_TESTS=OFF >/dev/null
  cmake --build build/release -j"$(nproc)"
fi

port=$(shuf -i 20000-60000 -n 1)
tls_port=$((port + 1))
dir=$(mktemp -d)
# A CA and a server certificate for 127.0.0.1 (the exporter benchmark's helper).
# shellcheck source=bench/exporter/lib.sh
. bench/exporter/lib.sh
make_tls_certs "$dir"
redis-server --port "$port" --tls-port "$tls_port" --tls-cert-file "$dir/server.crt" --tls-key-file "$dir/server.key" \
  --tls-ca-cert-file "$dir/ca.crt" --tls-auth-clients no --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --logfile "$dir/redis.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" rpush graflow:queue $(seq 1 100) >/dev/null

hyperfine -N --warmup 20 --runs 300 --export-json "$dir/result.json" \
  -n graflowctl "$bin queue depth --redis-url redis://127.0.0.1:$port" \
  -n redis-cli "redis-cli -p $port LLEN graflow:queue" \
  -n "graflowctl (3 prefixes)" "$bin queue depth --redis-url redis://127.0.0.1:$port --key-prefix a --key-prefix b --key-prefix graflow" \
  -n "graflowctl TLS" "$bin queue depth --redis-url rediss://127.0.0.1:$tls_port --redis-ca-file $dir/ca.crt" \
  -n "redis-cli TLS" "redis-cli --tls --cacert $dir/ca.crt -p $tls_port LLEN graflow:queue"

python3 - "$dir/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, c, g3 = r["graflowctl"], r["redis-cli"], r["graflowctl (3 prefixes)"]
gt, ct = r["graflowctl TLS"], r["redis-cli TLS"]
ms = lambda x: x["mean"] * 1000
print(f"\ngraflowctl queue depth      {ms(g):6.2f} ms (median {g['median']*1000:.2f})")
print(f"graflowctl, 3 prefixes      {ms(g3):6.2f} ms (median {g3['median']*1000:.2f})")
print(f"redis-cli LLEN              {ms(c):6.2f} ms (median {c['median']*1000:.2f})")
print(f"ratio graflowctl/redis-cli  {g['mean']/c['mean']:.2f}x  (target: <= 1.0x)")
print(f"graflowctl over TLS         {ms(gt):6.2f} ms (median {gt['median']*1000:.2f})")
print(f"redis-cli --tls LLEN        {ms(ct):6.2f} ms (median {ct['median']*1000:.2f})")
print(f"ratio over TLS              {gt['mean']/ct['mean']:.2f}x")
PY
