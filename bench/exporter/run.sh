#!/usr/bin/env bash
# Exporter benchmark (not a test): in one run, on the same Redis and under the same bounded
# loopback load (wrk -t2 -c8 -d10s --latency), compare
#   (a) graflowctl exporter
#   (b) the seed's Flask exporter, as written (bench/exporter/seed_exporter.py)
#   (c) Debian's prometheus-redis-exporter with -check-single-keys for the same list
# then graflowctl and redis_exporter with 100 queues. Prints requests/s, p50/p99 latency,
# peak RSS, CPU per scrape of the exporter and of Redis, Redis round trips per scrape, and
# the ratios. Then the starvation run: each of (a), (b), (c) again while
# bench/exporter/hold_connections.py holds IDLE (1000) idle and SLOW (200) slow-header
# connections: the latency of 30 fresh clients (a new connection each, curl), then the
# same wrk load. Runs drift ~20 % between runs: compare figures from the same run.
#
#   bench/exporter/run.sh                 # builds a Release graflowctl in build/bench
#   GRAFLOWCTL=path/to/graflowctl bench/exporter/run.sh
#   DURATION=10s CONNECTIONS=8 THREADS=2  # the load (defaults shown)
#   IDLE=1000 SLOW=200                    # the starvation run (IDLE=0 SLOW=0 skips it)
#
# Needs: scripts/install-deps.sh --bench (redis-server, wrk, prometheus-redis-exporter,
# python3-flask, python3-prometheus-client, python3-redis, curl).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
IDLE=${IDLE:-1000}
SLOW=${SLOW:-200}
PYTHON=/usr/bin/python3 # Debian's, with the Debian packages the seed uses

for tool in redis-server redis-cli wrk prometheus-redis-exporter curl "$PYTHON"; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing: run scripts/install-deps.sh --bench" >&2; exit 1; }
done
"$PYTHON" -c 'import flask, prometheus_client, redis' 2>/dev/null ||
  { echo "run.sh: python3-flask, python3-prometheus-client or python3-redis is missing" >&2; exit 1; }

if [ -z "${GRAFLOWCTL:-}" ]; then
  build=${GRAFLOW_BENCH_BUILD:-$root/build/bench}
  echo "building a Release graflowctl in $build ..." >&2
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGRAFLOW_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target graflowctl >/dev/null
  GRAFLOWCTL=$build/cli/graflowctl
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/graflow-bench.XXXXXX")
results=$work/results.jsonl
started=()
cleanup() {
  for pid in "${started[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${started[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 400); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "run.sh: nothing answers $1" >&2
  return 1
}
# utime + stime of a process, in clock ticks (the command name may contain spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
llen_calls() { redis-cli -p "$redis_port" INFO commandstats | tr -d '\r' | awk -F'[=,:]' '$1 == "cmdstat_llen" {print $3}' | grep . || echo 0; }

# One Redis for everyone.
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
started+=("$redis_pid")
for _ in $(seq 200); do redis-cli -p "$redis_port" PING >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$redis_port" EVAL "for i=1,1000 do redis.call('RPUSH', KEYS[1], i) end" 1 graflow:queue >/dev/null
keys100=()
prefixes100=()
for i in $(seq 0 99); do
  redis-cli -p "$redis_port" EVAL "for i=1,tonumber(ARGV[1]) do redis.call('RPUSH', KEYS[1], i) end" 1 "q$i:queue" $((i + 1)) >/dev/null
  keys100+=("q$i:queue")
  prefixes100+=(--key-prefix "q$i")
done

# fresh NAME URL: 30 scrapes, each on a new connection; records p50/p90/max in ms.
fresh() {
  local name=$1 url=$2
  for _ in $(seq 30); do
    curl -sS -o /dev/null -m 10 -w '%{http_code} %{time_total}\n' "$url" || echo "000 10"
  done >"$work/$name.fresh"
  "$PYTHON" - "$work/$name.fresh" "$name" >>"$work/fresh.jsonl" <<'PY'
import json, sys
rows = [line.split() for line in open(sys.argv[1])]
ms = sorted(float(t) * 1000 for _, t in rows)
print(json.dumps({"name": sys.argv[2], "ok": sum(c == "200" for c, _ in rows), "n": len(rows),
                  "p50_ms": ms[len(ms) // 2], "p90_ms": ms[int(len(ms) * 0.9) - 1], "max_ms": ms[-1]}))
PY
  tail -1 "$work/fresh.jsonl" >&2
}

# bench NAME PID URL PREFIXES: warm up, run wrk, record the figures as one JSON line.
bench() {
  local name=$1 pid=$2 url=$3 prefixes=$4
  for _ in $(seq 20); do curl -fsS -o /dev/null "$url"; done
  local e0 r0 l0 e1 r1 l1
  e0=$(cpu_ticks "$pid"); r0=$(cpu_ticks "$redis_pid"); l0=$(llen_calls)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$work/$name.wrk"
  e1=$(cpu_ticks "$pid"); r1=$(cpu_ticks "$redis_pid"); l1=$(llen_calls)
  "$PYTHON" - "$work/$name.wrk" "$name" "$((e1 - e0))" "$((r1 - r0))" "$((l1 - l0))" "$prefixes" \
    "$(status_kb "$pid" VmHWM)" "$(status_kb "$pid" VmRSS)" "$(getconf CLK_TCK)" >>"$results" <<'PY'
import json, re, sys
path, name, e_ticks, r_ticks, llens, prefixes, hwm, rss, hz = sys.argv[1:]
text = open(path).read()
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", text, re.M))
requests = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
tick_ms = 1000.0 / int(hz)
print(json.dumps({
    "name": name, "requests": requests,
    "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
    "p50_ms": ms(lat["50"]), "p99_ms": ms(lat["99"]),
    "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": sock.group(1) if sock else "",
    "exporter_cpu_ms_per_scrape": int(e_ticks) * tick_ms / requests,
    "redis_cpu_ms_per_scrape": int(r_ticks) * tick_ms / requests,
    "round_trips_per_scrape": int(llens) / int(prefixes) / requests,
    "vmhwm_kib": int(hwm), "vmrss_kib": int(rss)}))
PY
  tail -1 "$results" >&2
}

# run NAME PREFIXES CHECK_PATTERN PORT -- COMMAND...: start an exporter, check what it
# exports, benchmark it, stop it. With STARVE=1: under the held connections, first the
# fresh-client latency, then wrk.
run() {
  local name=$1 prefixes=$2 pattern=$3 port=$4
  shift 5
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  started+=("$pid")
  wait_http "http://127.0.0.1:$port/metrics"
  echo "== $name: $(curl -fsS "http://127.0.0.1:$port/metrics" | grep -E "$pattern" | head -1)" >&2
  local holder=""
  if [ "${STARVE:-0}" = 1 ]; then
    "$PYTHON" "$here/hold_connections.py" 127.0.0.1 "$port" --idle "$IDLE" --slow "$SLOW" >"$work/$name.hold" 2>&1 &
    holder=$!
    started+=("$holder")
    for _ in $(seq 600); do grep -q holding "$work/$name.hold" && break; sleep 0.05; done
    echo "   $(head -1 "$work/$name.hold"); the exporter has $(find /proc/"$pid"/fd -lname 'socket:*' | wc -l) sockets open" >&2
    sleep 1
    fresh "$name" "http://127.0.0.1:$port/metrics"
  fi
  bench "$name" "$pid" "http://127.0.0.1:$port/metrics" "$prefixes"
  if [ -n "$holder" ]; then
    kill "$holder"
    wait "$holder" 2>/dev/null || true
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "graflowctl: $GRAFLOWCTL ($("$GRAFLOWCTL" --version)); redis-server $(redis-server --version | awk '{print $3}'); load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency" >&2

p=$(free_port)
run graflowctl 1 '^graflow_queue_depth' "$p" -- \
  "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "redis://127.0.0.1:$redis_port/0" --key-prefix graflow
p=$(free_port)
run seed-python 1 '^graflow_queue_depth' "$p" -- \
  env REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" PORT="$p" KEY_PREFIX=graflow "$PYTHON" "$here/seed_exporter.py"
p=$(free_port)
run redis_exporter 1 '^redis_key_size' "$p" -- \
  prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$redis_port" -web.listen-address "127.0.0.1:$p" \
  -check-single-keys graflow:queue
p=$(free_port)
run graflowctl-100 100 '^graflow_queue_depth' "$p" -- \
  "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "redis://127.0.0.1:$redis_port/0" "${prefixes100[@]}"
p=$(free_port)
run redis_exporter-100 100 '^redis_key_size' "$p" -- \
  prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$redis_port" -web.listen-address "127.0.0.1:$p" \
  -check-single-keys "$(IFS=,; echo "${keys100[*]}")"

if [ "$IDLE" -gt 0 ] || [ "$SLOW" -gt 0 ]; then
  echo "== starvation: $IDLE idle + $SLOW slow-header connections held during each run" >&2
  export STARVE=1
  p=$(free_port)
  run graflowctl-starved 1 '^graflow_queue_depth' "$p" -- \
    "$GRAFLOWCTL" exporter --listen "127.0.0.1:$p" --redis-url "redis://127.0.0.1:$redis_port/0" --key-prefix graflow
  p=$(free_port)
  run seed-python-starved 1 '^graflow_queue_depth' "$p" -- \
    env REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" PORT="$p" KEY_PREFIX=graflow "$PYTHON" "$here/seed_exporter.py"
  p=$(free_port)
  run redis_exporter-starved 1 '^redis_key_size' "$p" -- \
    prometheus-redis-exporter -redis.addr "redis://127.0.0.1:$redis_port" -web.listen-address "127.0.0.1:$p" \
    -check-single-keys graflow:queue
  unset STARVE
fi

"$PYTHON" - "$results" "$work/fresh.jsonl" <<'PY'
import json, os, sys
rows = {r["name"]: r for r in map(json.loads, open(sys.argv[1]))}
print(f"{'exporter':<20}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'peak RSS MiB':>14}{'RSS MiB':>9}"
      f"{'exp CPU ms/scrape':>19}{'Redis CPU ms/scrape':>21}{'round trips/scrape':>20}{'errors':>8}")
for r in rows.values():
    print(f"{r['name']:<20}{r['rps']:>10.0f}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['vmhwm_kib']/1024:>14.1f}"
          f"{r['vmrss_kib']/1024:>9.1f}{r['exporter_cpu_ms_per_scrape']:>19.4f}{r['redis_cpu_ms_per_scrape']:>21.4f}"
          f"{r['round_trips_per_scrape']:>20.3f}{r['non2xx']:>8}")
g, g100 = rows["graflowctl"], rows["graflowctl-100"]
def cost(r): return r["exporter_cpu_ms_per_scrape"] + r["redis_cpu_ms_per_scrape"]
checks = [
    ("req/s vs the seed's Python exporter", g["rps"] / rows["seed-python"]["rps"], ">= 20x", lambda v: v >= 20),
    ("req/s vs redis_exporter, 1 queue", g["rps"] / rows["redis_exporter"]["rps"], ">= 20x", lambda v: v >= 20),
    ("req/s vs redis_exporter, 100 queues", g100["rps"] / rows["redis_exporter-100"]["rps"], ">= 100x", lambda v: v >= 100),
    ("graflowctl p99 at %d connections (ms)" % 8, g["p99_ms"], "< 2 ms", lambda v: v < 2),
    ("graflowctl peak RSS (MiB)", g["vmhwm_kib"] / 1024, "< 10 MiB", lambda v: v < 10),
    ("graflowctl 100-queue / 1-queue CPU per scrape", cost(g100) / cost(g), "< 2x", lambda v: v < 2),
    ("graflowctl 100-queue / 1-queue req/s", g100["rps"] / g["rps"], "(info)", lambda v: True),
]
if "graflowctl-starved" in rows and os.path.exists(sys.argv[2]):
    fresh = {r["name"]: r for r in map(json.loads, open(sys.argv[2]))}
    print()
    print(f"{'fresh client, starved':<24}{'ok':>6}{'p50 ms':>9}{'p90 ms':>9}{'max ms':>9}")
    for r in fresh.values():
        print(f"{r['name']:<24}{str(r['ok']) + '/' + str(r['n']):>6}{r['p50_ms']:>9.2f}{r['p90_ms']:>9.2f}{r['max_ms']:>9.2f}")
    gs = rows["graflowctl-starved"]
    checks += [
        ("graflowctl fresh-client p90, starved (ms)", fresh["graflowctl-starved"]["p90_ms"], "< 50 ms", lambda v: v < 50),
        ("graflowctl RSS, starved (MiB)", gs["vmrss_kib"] / 1024, "< 16 MiB", lambda v: v < 16),
        ("graflowctl req/s starved / normal", gs["rps"] / g["rps"], "(info)", lambda v: True),
    ]
print()
for label, value, target, ok in checks:
    print(f"{label:<48}{value:>10.2f}   target {target:<9} {'ok' if ok(value) else 'MISSED'}")
PY
