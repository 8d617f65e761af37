#!/usr/bin/env bash
# Exporter benchmark (not a test) for production Redis setups and the framework layouts
# (DESIGN.md §5a, §5b), in one run, under the same load as run.sh (wrk -t2 -c8 -d10s
# --latency), each figure beside a baseline from the same run:
#   baseline  one redis-server (plaintext port + --tls-port): graflowctl with 1 queue and with
#             100 lists (q0:queue..q99:queue, as run.sh), redis_exporter with those 100 keys
#   tls       the same server over rediss:// (a throwaway CA made here with openssl):
#             graflowctl --redis-ca-file with 1 and 100 queues, Debian's
#             prometheus-redis-exporter -tls-ca-cert-file with 1 and 100 keys.
#             Targets: graflowctl's TLS req/s >= 0.7x its plaintext req/s (1 and 100
#             queues); the ratio to redis_exporter over TLS is printed.
#   cluster   a three-master Redis Cluster (redis-cli --cluster create, no replicas) holding
#             the same 100 lists; graflowctl --redis-url redis+cluster://h:p,h:p,h:p.
#             Target: CPU per scrape (exporter + all three nodes) <= 1.5x the 100 lists on
#             one node; req/s and each node's commands and read events per reading printed.
#   mixed     25 queues of each of celery (priority steps 0,3,6,9, unacked deliveries),
#             sidekiq (busy workers in two processes), bullmq (wait, prioritized, active)
#             and stream with a consumer group (pending and lag): 100 queues, filled by
#             bench/exporter/layouts.sh in each framework's own key schema (rq is left
#             out); graflowctl --queue LAYOUT:NAME flags. Targets: CPU per scrape <= 2x the
#             100 plain lists; req/s >= 100x redis_exporter's 100-key req/s; commands, read
#             events (one per pipelined round trip up to 16 KiB) and KiB per reading printed
#             (one round trip for waiting and in flight, one more for the oldest ages and
#             Sidekiq's work hashes). Then each layout's 25 queues alone, 200 sequential
#             scrapes: exporter and Redis CPU per reading, to show where the cost goes.
# How each figure is counted: bench/exporter/lib.sh. Runs drift ~20 %: compare within a run.
#
#   bench/exporter/modes.sh                        # everything; builds graflowctl in build/bench
#   GRAFLOWCTL=path/to/graflowctl bench/exporter/modes.sh
#   MODES="tls mixed" bench/exporter/modes.sh      # some of: tls cluster mixed (the baseline always runs)
#   DURATION=10s CONNECTIONS=8 THREADS=2           # the load (defaults shown)
#   CELERY_UNACKED=2 SIDEKIQ_PROCESSES=2 SIDEKIQ_BUSY=5   # the mixed layouts' in-flight data
#
# Needs: scripts/install-deps.sh --bench (redis-server, redis-tools, wrk, openssl, curl,
# prometheus-redis-exporter).
set -euo pipefail

# shellcheck source=bench/exporter/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bench/exporter/layouts.sh
. "$(dirname "$0")/layouts.sh"
MODES=${MODES:-tls cluster mixed}
for mode in $MODES; do
  case $mode in
    tls | cluster | mixed) ;;
    *) echo "modes.sh: unknown mode \"$mode\" in MODES (known: tls cluster mixed)" >&2; exit 2 ;;
  esac
done
want() { [[ " $MODES " == *" $1 "* ]]; }

bench_init modes.sh prometheus-redis-exporter openssl

# One redis-server with a plaintext port and a TLS port (no client certificates).
certs=$work/certs
make_tls_certs "$certs"
redis_port=$(free_port)
tls_port=$(free_port)
start_redis single "$redis_port" --tls-port "$tls_port" --tls-cert-file "$certs/server.crt" \
  --tls-key-file "$certs/server.key" --tls-ca-cert-file "$certs/ca.crt" --tls-auth-clients no
single=$last_pid
use_redis "$single:$redis_port"
fill "$redis_port" "for i=1,1000 do redis.call('RPUSH', KEYS[1], i) end" 1 graflow:queue
fill_lists "$redis_port" 100
if want mixed; then
  fill_layouts "$redis_port" 25
fi

print_versions
plain_url="redis://127.0.0.1:$redis_port/0"
tls_url="rediss://127.0.0.1:$tls_port/0"
keys100=$(IFS=,; echo "${keys_n[*]}")

# exporter NAME MARKER PER_READING ARGS...: graflowctl exporter on a free port. PATTERN
# (default: the first depth or in-flight sample) picks what is shown of its first scrape.
exporter() {
  local name=$1 marker=$2 per_reading=$3 p
  shift 3
  p=$(free_port)
  run "$name" "$marker" "$per_reading" "${PATTERN:-^graflow_queue_(depth|in_flight)}" "$p" -- \
    "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" "$@"
}
# redis_exporter NAME PER_READING ADDR KEYS [ARGS...]: Debian's redis_exporter on a free port.
redis_exporter() {
  local name=$1 per_reading=$2 addr=$3 keys=$4 p
  shift 4
  p=$(free_port)
  run "$name" llen "$per_reading" '^redis_key_size' "$p" -- \
    prometheus-redis-exporter -redis.addr "$addr" -web.listen-address "127.0.0.1:$p" -check-single-keys "$keys" "$@"
}

echo "== baseline: one node, plaintext" >&2
exporter graflowctl llen 1 --redis-url "$plain_url" --key-prefix graflow
exporter graflowctl-100 llen 100 --redis-url "$plain_url" "${prefixes_n[@]}"
redis_exporter redis_exporter-100 100 "redis://127.0.0.1:$redis_port" "$keys100"

if want tls; then
  echo "== tls: the same node over rediss:// (port $tls_port)" >&2
  exporter graflowctl-tls llen 1 --redis-url "$tls_url" --redis-ca-file "$certs/ca.crt" --key-prefix graflow
  exporter graflowctl-tls-100 llen 100 --redis-url "$tls_url" --redis-ca-file "$certs/ca.crt" "${prefixes_n[@]}"
  redis_exporter redis_exporter-tls 1 "rediss://127.0.0.1:$tls_port" graflow:queue -tls-ca-cert-file "$certs/ca.crt"
  redis_exporter redis_exporter-tls-100 100 "rediss://127.0.0.1:$tls_port" "$keys100" -tls-ca-cert-file "$certs/ca.crt"
fi

if want mixed; then
  echo "== mixed: 25 queues each of celery, sidekiq, bullmq, stream+group on the same node" >&2
  # The celery queues share one HRANDFIELD of the tags of kombu's unacked hash per reading.
  # Shown: queue 0 of each layout, so the figures below are seen to come from real reads
  # (c0: 16 waiting, 2 unacked; s0: 10, 1 busy, ~20 s old; b0: 12, 1 active, ~12 s; x0: lag
  # 12, 3 pending, ~12 s; ages grow by the time since the fill).
  PATTERN='^graflow_queue_[a-z_]+\{[^}]*queue="(c0|s0|b0|x0)"' SHOW=20 \
    exporter graflowctl-mixed hrandfield 1 --redis-url "$plain_url" "${layout_flags[@]}"
  # Where the cost goes: each layout's 25 queues alone, 200 sequential scrapes (one reading
  # each, HTTP included), CPU of the exporter and of Redis per reading.
  # (lists: the 100 plain lists, for reference.)
  for layout in celery sidekiq bullmq stream lists; do
    flags=()
    if [ "$layout" = lists ]; then
      flags=("${prefixes_n[@]}")
    fi
    for ((i = 0; i < ${#layout_flags[@]}; i += 2)); do
      [[ ${layout_flags[i + 1]} == "$layout:"* ]] && flags+=(--queue "${layout_flags[i + 1]}")
    done
    p=$(free_port)
    "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "$plain_url" "${flags[@]}" >"$work/$layout.log" 2>&1 &
    pid=$!
    started+=("$pid")
    wait_http "http://127.0.0.1:$p/metrics"
    for _ in $(seq "$SEQUENTIAL"); do curl -fsS -o /dev/null "http://127.0.0.1:$p/metrics"; done
    e0=$(cpu_ticks "$pid"); r0=$(cpu_ticks "$single")
    for _ in $(seq 200); do curl -fsS -o /dev/null "http://127.0.0.1:$p/metrics"; done
    e1=$(cpu_ticks "$pid"); r1=$(cpu_ticks "$single")
    echo "{\"layout\": \"$layout\", \"queues\": $((${#flags[@]} / 2)), \"exporter_ticks\": $((e1 - e0)), \"redis_ticks\": $((r1 - r0)), \"readings\": 200, \"hz\": $(getconf CLK_TCK)}" >>"$work/layouts.jsonl"
    check_alive "$layout" "$pid"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
fi

if want cluster; then
  echo "== cluster: three masters, the same 100 lists" >&2
  nodes=()
  members=()
  for i in 1 2 3; do
    port=$(free_port)
    start_redis "node$i" "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-port "$(free_port)"
    nodes+=("127.0.0.1:$port")
    members+=("$last_pid:$port")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$work/cluster-create.log"
  # Every node must see the slots assigned, or writes through it get CLUSTERDOWN.
  for node in "${nodes[@]}"; do
    for _ in $(seq 200); do
      redis-cli -p "${node#*:}" CLUSTER INFO | grep -q cluster_state:ok && break
      sleep 0.05
    done
  done
  fill_lists "${nodes[0]#*:}" 100
  use_redis "${members[@]}"
  exporter graflowctl-cluster-100 llen 100 --redis-url "redis+cluster://$(IFS=,; echo "${nodes[*]}")" \
    "${prefixes_n[@]}"
  use_redis "$single:$redis_port"
fi

"$PYTHON" -B - "$here" "$results" "$work/layouts.jsonl" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from report import (at_least, at_most, checks, cmds_per_reading, cost, info, load, nodes,
                    reads_per_reading, table)
rows = load(sys.argv[2])
table(rows)
g, g100, re100 = rows["graflowctl"], rows["graflowctl-100"], rows["redis_exporter-100"]
items = [("graflowctl 100-queue / 1-queue CPU per scrape (baseline)", cost(g100) / cost(g), "(info)", info)]
if "graflowctl-tls" in rows:
    t, t100 = rows["graflowctl-tls"], rows["graflowctl-tls-100"]
    items += [
        ("TLS / plaintext req/s, graflowctl, 1 queue", t["rps"] / g["rps"], ">= 0.7x", at_least(0.7)),
        ("TLS / plaintext req/s, graflowctl, 100 queues", t100["rps"] / g100["rps"], ">= 0.7x", at_least(0.7)),
        ("TLS / plaintext CPU per scrape, graflowctl, 100 queues", cost(t100) / cost(g100), "(info)", info),
        ("TLS req/s vs redis_exporter over TLS, 1 queue", t["rps"] / rows["redis_exporter-tls"]["rps"], "(info)", info),
        ("TLS req/s vs redis_exporter over TLS, 100 queues", t100["rps"] / rows["redis_exporter-tls-100"]["rps"],
         "(info)", info),
    ]
if "graflowctl-mixed" in rows:
    m = rows["graflowctl-mixed"]
    items += [
        ("mixed layouts / 100 lists CPU per scrape", cost(m) / cost(g100), "<= 2x", at_most(2)),
        ("mixed layouts req/s vs redis_exporter, 100 keys", m["rps"] / re100["rps"], ">= 100x", at_least(100)),
        ("mixed layouts / 100 lists req/s", m["rps"] / g100["rps"], "(info)", info),
        ("mixed layouts: Redis commands per reading", cmds_per_reading(m), "(info)", info),
        ("mixed layouts: Redis read events per reading", reads_per_reading(m), "(info)", info),
        ("mixed layouts: readings per scrape under load", m["round_trips_per_scrape"], "(info)", info),
    ]
if "graflowctl-cluster-100" in rows:
    c = rows["graflowctl-cluster-100"]
    items += [
        ("3-node cluster / one node CPU per scrape, 100 queues", cost(c) / cost(g100), "<= 1.5x", at_most(1.5)),
        ("3-node cluster / one node req/s, 100 queues", c["rps"] / g100["rps"], "(info)", info),
        ("3-node cluster: read events per reading, busiest node", max(n["reads_per_reading"] for n in c["nodes"]),
         "(info)", info),
    ]
print()
for name in ("graflowctl-100", "graflowctl-mixed", "graflowctl-cluster-100"):
    if name in rows:
        nodes(rows[name])
if os.path.exists(sys.argv[3]):
    print()
    for r in map(json.loads, open(sys.argv[3])):
        us = 1e6 / r["hz"] / r["readings"]
        print(f"  {r['layout']:<8} x{r['queues']} alone, sequential: exporter {r['exporter_ticks'] * us:8.0f} us/reading,"
              f" Redis {r['redis_ticks'] * us:7.0f} us/reading")
print()
checks(items)
PY
