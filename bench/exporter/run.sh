#!/usr/bin/env bash
# Exporter benchmark (not a test): in one run, on the same Redis and under the same bounded
# loopback load (wrk -t2 -c8 -d10s --latency), compare
#   (a) graflowctl exporter
#   (b) the seed's Flask exporter, as written (bench/exporter/seed_exporter.py)
#   (c) Debian's prometheus-redis-exporter with -check-single-keys for the same list
# then graflowctl and redis_exporter with 100 queues. Prints requests/s, p50/p99 latency,
# peak RSS, CPU per scrape of the exporter and of Redis, Redis round trips per scrape, and
# the ratios; per reading, the Redis commands, read events and bytes (bench/exporter/lib.sh
# says how each is counted). Then the starvation run: each of (a), (b), (c) again while
# bench/exporter/hold_connections.py holds IDLE (1000) idle and SLOW (200) slow-header
# connections: the latency of 30 fresh clients (a new connection each, curl), then the
# same wrk load. Runs drift ~20 %: compare figures from the same run.
#
#   bench/exporter/run.sh                 # builds a Release graflowctl in build/bench
#   GRAFLOWCTL=path/to/graflowctl bench/exporter/run.sh
#   DURATION=10s CONNECTIONS=8 THREADS=2  # the load (defaults shown)
#   IDLE=1000 SLOW=200                    # the starvation run (IDLE=0 SLOW=0 skips it)
#
# TLS, Redis Cluster and the framework layouts are in bench/exporter/modes.sh.
#
# Needs: scripts/install-deps.sh --bench (redis-server, wrk, prometheus-redis-exporter,
# python3-flask, python3-prometheus-client, python3-redis, curl).
set -euo pipefail

# shellcheck source=bench/exporter/lib.sh
. "$(dirname "$0")/lib.sh"
IDLE=${IDLE:-1000}
SLOW=${SLOW:-200}

bench_init run.sh prometheus-redis-exporter
"$PYTHON" -c 'import flask, prometheus_client, redis' 2>/dev/null ||
  { echo "run.sh: python3-flask, python3-prometheus-client or python3-redis is missing" >&2; exit 1; }

# One Redis for everyone.
redis_port=$(free_port)
start_redis redis "$redis_port"
use_redis "$last_pid:$redis_port"
fill "$redis_port" "for i=1,1000 do redis.call('RPUSH', KEYS[1], i) end" 1 graflow:queue
fill_lists "$redis_port" 100

print_versions

p=$(free_port)
run graflowctl llen 1 '^graflow_queue_depth' "$p" -- \
  "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "redis://127.0.0.1:$redis_port/0" --key-prefix graflow
p=$(free_port)
run seed-python llen 1 '^graflow_queue_depth' "$p" -- \
  env REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" PORT="$p" KEY_PREFIX=graflow "$PYTHON" "$here/seed_exporter.py"
p=$(free_port)
run redis_exporter llen 1 '^redis_key_size' "$p" -- \
  prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$redis_port" -web.listen-address "127.0.0.1:$p" \
  -check-single-keys graflow:queue
p=$(free_port)
run graflowctl-100 llen 100 '^graflow_queue_depth' "$p" -- \
  "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "redis://127.0.0.1:$redis_port/0" "${prefixes_n[@]}"
p=$(free_port)
run redis_exporter-100 llen 100 '^redis_key_size' "$p" -- \
  prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$redis_port" -web.listen-address "127.0.0.1:$p" \
  -check-single-keys "$(IFS=,; echo "${keys_n[*]}")"

if [ "$IDLE" -gt 0 ] || [ "$SLOW" -gt 0 ]; then
  echo "== starvation: $IDLE idle + $SLOW slow-header connections held during each run" >&2
  export STARVE=1
  p=$(free_port)
  run graflowctl-starved llen 1 '^graflow_queue_depth' "$p" -- \
    "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "redis://127.0.0.1:$redis_port/0" --key-prefix graflow
  p=$(free_port)
  run seed-python-starved llen 1 '^graflow_queue_depth' "$p" -- \
    env REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" PORT="$p" KEY_PREFIX=graflow "$PYTHON" "$here/seed_exporter.py"
  p=$(free_port)
  run redis_exporter-starved llen 1 '^redis_key_size' "$p" -- \
    prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$redis_port" -web.listen-address "127.0.0.1:$p" \
    -check-single-keys graflow:queue
  unset STARVE
fi

"$PYTHON" -B - "$here" "$results" "$work/fresh.jsonl" "$CONNECTIONS" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from report import at_least, checks, cost, info, load, table
rows = load(sys.argv[2])
table(rows)
g, g100 = rows["graflowctl"], rows["graflowctl-100"]
items = [
    ("req/s vs the seed's Python exporter", g["rps"] / rows["seed-python"]["rps"], ">= 20x", at_least(20)),
    ("req/s vs redis_exporter, 1 queue", g["rps"] / rows["redis_exporter"]["rps"], ">= 20x", at_least(20)),
    ("req/s vs redis_exporter, 100 queues", g100["rps"] / rows["redis_exporter-100"]["rps"], ">= 100x", at_least(100)),
    ("graflowctl p99 at %s connections (ms)" % sys.argv[4], g["p99_ms"], "< 2 ms", lambda v: v < 2),
    ("graflowctl peak RSS (MiB)", g["vmhwm_kib"] / 1024, "< 10 MiB", lambda v: v < 10),
    ("graflowctl 100-queue / 1-queue CPU per scrape", cost(g100) / cost(g), "< 2x", lambda v: v < 2),
    ("graflowctl 100-queue / 1-queue req/s", g100["rps"] / g["rps"], "(info)", info),
]
if "graflowctl-starved" in rows and os.path.exists(sys.argv[3]):
    fresh = {r["name"]: r for r in map(json.loads, open(sys.argv[3]))}
    print()
    print(f"{'fresh client, starved':<24}{'ok':>6}{'p50 ms':>9}{'p90 ms':>9}{'max ms':>9}")
    for r in fresh.values():
        print(f"{r['name']:<24}{str(r['ok']) + '/' + str(r['n']):>6}{r['p50_ms']:>9.2f}{r['p90_ms']:>9.2f}{r['max_ms']:>9.2f}")
    gs = rows["graflowctl-starved"]
    items += [
        ("graflowctl fresh-client p90, starved (ms)", fresh["graflowctl-starved"]["p90_ms"], "< 50 ms", lambda v: v < 50),
        ("graflowctl RSS, starved (MiB)", gs["vmrss_kib"] / 1024, "< 16 MiB", lambda v: v < 16),
        ("graflowctl req/s starved / normal", gs["rps"] / g["rps"], "(info)", info),
    ]
print()
checks(items)
PY
