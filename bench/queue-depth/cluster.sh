#!/usr/bin/env bash
# Times `graflowctl queue depth` over 100 queues on a three-master Redis Cluster against the
# same 100 queues on one redis-server, in one run, and prints both and the ratio (target:
# at most 1.5x; DESIGN.md §5a: one pipelined round trip per node, nodes in parallel).
# Usage: bench/queue-depth/cluster.sh [path/to/graflowctl]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --bench
bin=${1:-build/release/cli/graflowctl}
if [ ! -x "$bin" ]; then
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DGRAFLOW_TESTS=OFF >/dev/null
  cmake --build build/release -j"$(nproc)"
fi

base=$(shuf -i 20000-40000 -n 1)
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
start() { # port [extra redis-server args]
  local port=$1
  shift
  mkdir -p "$dir/$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir/$port" \
    --logfile "$dir/$port/redis.log" "$@" &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.05; done
}
single=$base
start "$single"
nodes=()
for i in 1 2 3; do
  port=$((base + i))
  start "$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port $((base + 10 + i))
  nodes+=("127.0.0.1:$port")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 200); do
  redis-cli -p $((base + 1)) cluster info | grep -q cluster_state:ok && break
  sleep 0.05
done

args=()
for i in $(seq 1 100); do
  args+=(--key-prefix "q$i")
  redis-cli -p "$single" rpush "q$i:queue" $(seq 1 "$i") >/dev/null
  redis-cli -c -p $((base + 1)) rpush "q$i:queue" $(seq 1 "$i") >/dev/null
done
cluster_url="redis+cluster://$(IFS=,; echo "${nodes[*]}")"

hyperfine -N --warmup 20 --runs 200 --export-json "$dir/result.json" \
  -n "one node" "$bin queue depth --redis-url redis://127.0.0.1:$single ${args[*]}" \
  -n "cluster" "$bin queue depth --redis-url $cluster_url ${args[*]}"

python3 - "$dir/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
one, cl = r["one node"], r["cluster"]
print(f"\n100 queues, one node         {one['mean']*1000:6.2f} ms (median {one['median']*1000:.2f})")
print(f"100 queues, 3-node cluster   {cl['mean']*1000:6.2f} ms (median {cl['median']*1000:.2f})")
ratio = cl["median"] / one["median"]
print(f"cluster / one node           {ratio:.2f}x (target <= 1.5x)")
PY
