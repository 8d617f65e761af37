# shellcheck shell=bash
# Shell functions shared by the exporter benchmarks (bench/exporter/run.sh, modes.sh).
# Sourced, not run: the caller sets `set -euo pipefail`, then calls bench_init. Everything
# started through start_redis/run is stopped by PID when the caller exits.
#
# The measuring core is `run` (start an exporter, check what it exports, `bench` it, stop it)
# and `bench`, which records one JSON line per exporter in $results:
#   - wrk figures: req/s, p50/p99 latency, non-2xx responses;
#   - CPU per scrape (utime+stime from /proc) of the exporter and of every Redis in
#     $redis_pids (a cluster: all its nodes);
#   - peak and current RSS of the exporter;
#   - round trips per scrape as run.sh always printed them: calls of one MARKER command
#     (INFO commandstats) / the MARKER calls one reading makes / requests — under load,
#     concurrent scrapes share a reading, so this is readings per scrape;
#   - per Redis node, from 20 sequential scrapes (each its own reading): commands, read
#     events (INFO stats total_reads_processed) and KiB received per reading. A pipelined
#     round trip is one read event while it fits Redis's 16 KiB read buffer; a bigger one
#     shows as a few reads (the KiB column says when). The counters' own INFO calls are
#     measured and subtracted.
# bench/exporter/report.py prints the table from $results.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PYTHON=/usr/bin/python3 # Debian's, with the Debian packages the seed uses
SEQUENTIAL=20           # warm-up scrapes, also the per-reading counters' sample

# bench_init NAME TOOL...: checks the tools, finds or builds graflowctl ($GRAFLOWCTL),
# makes the work directory and the cleanup trap. NAME prefixes messages.
bench_init() {
  bench_name=$1
  shift
  local tool
  for tool in redis-server redis-cli wrk curl "$PYTHON" "$@"; do
    command -v "$tool" >/dev/null || { echo "$bench_name: $tool is missing: run scripts/install-deps.sh --bench" >&2; exit 1; }
  done
  if [ -z "${GRAFLOWCTL:-}" ]; then
    local build=${GRAFLOW_BENCH_BUILD:-$root/build/bench}
    echo "building a Release graflowctl in $build ..." >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGRAFLOW_TESTS=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target graflowctl >/dev/null
    GRAFLOWCTL=$build/cli/graflowctl
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/graflow-bench.XXXXXX")
  results=$work/results.jsonl
  started=()
  redis_pids=()
  redis_ports=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local rc=$? pid
  for pid in "${started[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${started[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    # A failed run keeps every log (exporters' stderr, redis.log, wrk output) to look at.
    echo "$bench_name: failed (exit $rc); its logs are kept in $work" >&2
    return
  fi
  rm -rf "$work"
}

# check_alive NAME PID: fails, showing the end of NAME's log, when the process has exited
# (an exporter that died under load must not pass for one that was stopped).
check_alive() {
  local name=$1 pid=$2 rc=0
  kill -0 "$pid" 2>/dev/null && return 0
  wait "$pid" || rc=$?
  echo "$bench_name: $name (pid $pid) exited by itself with status $rc; the end of $work/$name.log:" >&2
  tail -n 40 "$work/$name.log" >&2
  return 1
}

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 400); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$bench_name: nothing answers $1" >&2
  return 1
}
# utime + stime of a process, in clock ticks (the command name may contain spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# The sum of the CPU ticks of the processes given.
sum_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(cpu_ticks "$pid")))
  done
  echo "$total"
}

# start_redis NAME PORT [redis-server args...]: starts a redis-server on loopback without
# persistence (its files in $work/NAME), waits until it answers PING on PORT (plaintext),
# and sets $last_pid.
start_redis() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$work/$name"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$work/$name" --logfile "$work/$name/redis.log" "$@" &
  last_pid=$!
  started+=("$last_pid")
  for _ in $(seq 200); do redis-cli -p "$port" PING >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "$bench_name: redis-server $name on port $port did not start (see its log)" >&2
  return 1
}

# use_redis PID:PORT...: the Redis node(s) the next runs read, whose CPU and counters are
# measured (PORT: a plaintext port of that node, for INFO).
use_redis() {
  redis_pids=()
  redis_ports=()
  local node
  for node in "$@"; do
    redis_pids+=("${node%%:*}")
    redis_ports+=("${node#*:}")
  done
}

# redis_counters MARKER: per node of use_redis, "commands:reads:bytes_in:MARKER calls",
# comma-separated. One INFO call per node (its own cost is calibrated by `bench`).
redis_counters() {
  local port out=()
  for port in "${redis_ports[@]}"; do
    out+=("$(redis-cli -p "$port" INFO stats commandstats | tr -d '\r' | awk -F'[=,:]' -v m="cmdstat_$1" '
      $1 ~ /^cmdstat_/ {calls += $3}
      $1 == m {marker = $3}
      $1 == "total_reads_processed" {reads = $2}
      $1 == "total_net_input_bytes" {bytes = $2}
      END {printf "%d:%d:%d:%d", calls, reads, bytes, marker}')")
  done
  (IFS=,; echo "${out[*]}")
}

# make_tls_certs DIR: a throwaway CA (DIR/ca.crt) and a server certificate for 127.0.0.1
# (DIR/server.crt, DIR/server.key), for the TLS runs here and in bench/queue-depth/run.sh.
make_tls_certs() {
  mkdir -p "$1"
  (
    cd "$1" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
      -days 1 -subj "/CN=bench ca" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
      -subj /CN=localhost 2>/dev/null
    echo "subjectAltName=IP:127.0.0.1" >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile server.ext \
      -out server.crt 2>/dev/null
  )
}

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

# bench NAME PID URL MARKER PER_READING: sequential scrapes (warm-up and per-reading
# counters), then wrk; records the figures as one JSON line in $results. MARKER is a Redis
# command (lower case) the exporter sends PER_READING times per reading, summed over nodes.
bench() {
  local name=$1 pid=$2 url=$3 marker=$4 per_reading=$5
  local c0 c1 c2 c3 e0 r0 e1 r1
  c0=$(redis_counters "$marker")
  c1=$(redis_counters "$marker") # c1 - c0: what one redis_counters call costs
  for _ in $(seq "$SEQUENTIAL"); do curl -fsS -o /dev/null "$url"; done
  c2=$(redis_counters "$marker")
  e0=$(cpu_ticks "$pid"); r0=$(sum_ticks "${redis_pids[@]}")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$work/$name.wrk"
  e1=$(cpu_ticks "$pid"); r1=$(sum_ticks "${redis_pids[@]}")
  c3=$(redis_counters "$marker")
  "$PYTHON" - "$work/$name.wrk" "$name" "$((e1 - e0))" "$((r1 - r0))" "$c0" "$c1" "$c2" "$c3" "$per_reading" \
    "$SEQUENTIAL" "$(IFS=,; echo "${redis_ports[*]}")" "$(status_kb "$pid" VmHWM)" "$(status_kb "$pid" VmRSS)" \
    "$(getconf CLK_TCK)" >>"$results" <<'PY'
import json, re, sys
path, name, e_ticks, r_ticks, c0, c1, c2, c3, per_reading, sequential, ports, hwm, rss, hz = sys.argv[1:]
text = open(path).read()
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
def counters(s):
    return [[int(x) for x in node.split(":")] for node in s.split(",")]
def minus(a, b):
    return [[x - y for x, y in zip(p, q)] for p, q in zip(a, b)]
c0, c1, c2, c3 = map(counters, (c0, c1, c2, c3))
cost = minus(c1, c0)  # one redis_counters call, per node
seq = [[x - y for x, y in zip(d, k)] for d, k in zip(minus(c2, c1), cost)]
load = [[x - y for x, y in zip(d, k)] for d, k in zip(minus(c3, c2), cost)]
lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", text, re.M))
requests = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
tick_ms = 1000.0 / int(hz)
n = int(sequential)
print(json.dumps({
    "name": name, "requests": requests,
    "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
    "p50_ms": ms(lat["50"]), "p99_ms": ms(lat["99"]),
    "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": sock.group(1) if sock else "",
    "exporter_cpu_ms_per_scrape": int(e_ticks) * tick_ms / requests,
    "redis_cpu_ms_per_scrape": int(r_ticks) * tick_ms / requests,
    "round_trips_per_scrape": sum(node[3] for node in load) / int(per_reading) / requests,
    "redis_reads_per_scrape": sum(node[1] for node in load) / requests,
    "nodes": [{"port": int(port), "cmds_per_reading": s[0] / n, "reads_per_reading": s[1] / n,
               "kib_in_per_reading": s[2] / n / 1024} for port, s in zip(ports.split(","), seq)],
    "vmhwm_kib": int(hwm), "vmrss_kib": int(rss)}))
PY
  tail -1 "$results" >&2
}

# run NAME MARKER PER_READING CHECK_PATTERN PORT -- COMMAND...: start an exporter on PORT,
# check what it exports (the first SHOW (1) lines matching CHECK_PATTERN are shown), benchmark it
# against the Redis of use_redis, stop it. With STARVE=1: under IDLE idle and SLOW
# slow-header connections held by hold_connections.py, first the fresh-client latency,
# then wrk.
run() {
  local name=$1 marker=$2 per_reading=$3 pattern=$4 port=$5
  shift 6
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  started+=("$pid")
  if ! wait_http "http://127.0.0.1:$port/metrics"; then
    echo "$bench_name: $name did not start; its log:" >&2
    cat "$work/$name.log" >&2
    return 1
  fi
  local sample
  sample=$(curl -fsS "http://127.0.0.1:$port/metrics" | grep -E "$pattern" | head -"${SHOW:-1}" || true)
  echo "== $name: ${sample:-nothing matches $pattern}" >&2
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
  bench "$name" "$pid" "http://127.0.0.1:$port/metrics" "$marker" "$per_reading"
  if [ -n "$holder" ]; then
    kill "$holder"
    wait "$holder" 2>/dev/null || true
  fi
  check_alive "$name" "$pid"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# fill PORT SCRIPT ARGS...: EVAL SCRIPT (following cluster redirections); stops on an error
# reply, which redis-cli prints but does not fail on. The scripts return nothing.
fill() {
  local port=$1 out
  shift
  out=$(redis-cli -c -p "$port" EVAL "$@")
  if [ -n "$out" ]; then
    echo "$bench_name: filling Redis failed: $out" >&2
    return 1
  fi
}

# fill_lists PORT N: the lists q0:queue .. q<N-1>:queue with 1 .. N entries (run.sh's
# 100 queues); sets $keys_n (the keys) and $prefixes_n (--key-prefix flags).
fill_lists() {
  local port=$1 n=$2 i
  keys_n=()
  prefixes_n=()
  for i in $(seq 0 $((n - 1))); do
    fill "$port" "for i=1,tonumber(ARGV[1]) do redis.call('RPUSH', KEYS[1], i) end" 1 "q$i:queue" $((i + 1))
    keys_n+=("q$i:queue")
    prefixes_n+=(--key-prefix "q$i")
  done
}

# The versions, for the record.
print_versions() {
  echo "graflowctl: $GRAFLOWCTL ($("$GRAFLOWCTL" --version)); redis-server $(redis-server --version | awk '{print $3}'); load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $(uptime | sed 's/.*load/load/')" >&2
}
