#!/usr/bin/env bash
# The README's first command: install what is needed, build graflowctl, and run its main
# job on a local default — render the prod profile, then show the depth of a throwaway
# local Redis queue holding some tasks.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DGRAFLOW_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)"
bin=build/release/cli/graflowctl

echo
echo "\$ graflowctl render --profile prod"
"$bin" render --profile prod

# A throwaway redis-server on a free loopback port, stopped by PID on exit.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
       shuf -i 20000-60000 -n 1)
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --logfile "$dir/redis.log" &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" rpush graflow:queue $(seq -f 'task-%g' 1 137) >/dev/null

echo
echo "\$ graflowctl queue depth --redis-url redis://127.0.0.1:$port --profile prod"
"$bin" queue depth --redis-url "redis://127.0.0.1:$port" --profile prod
