#!/usr/bin/env bash
# Installs everything graflowctl needs to build, test and benchmark on Debian 12.
# Idempotent: packages already present are left alone; apt-get update runs only when
# something is missing.
#   scripts/install-deps.sh            build + runtime (+ redis-server for the demo)
#   scripts/install-deps.sh --test     also what the test suite needs
#   scripts/install-deps.sh --bench    also what the benchmarks need
set -euo pipefail

build=(
  build-essential cmake pkg-config ca-certificates
  libcli11-dev libhiredis-dev libcurl4-openssl-dev libfmt-dev libyaml-cpp-dev
  nlohmann-json3-dev libhowardhinnant-date-dev libevent-dev libcpp-httplib-dev libkainjow-mustache-dev libssl-dev
  doctest-dev libplplot-dev redis-server redis-tools
)
# The queue frameworks the layout tests drive (tests/frameworks/), and npm for BullMQ.
# ccache lets the tidy preset reuse the dev build's objects (scripts/test.sh).
# buildah and debootstrap build and run the container image (scripts/image.sh, no daemon).
test=(clang-tidy ccache prometheus openssl curl mandoc bash-completion zsh fish python3 python3-celery python3-kombu python3-rq ruby-sidekiq libxml2-dev
  buildah debootstrap procps)
bench=(hyperfine wrk prometheus-redis-exporter python3-flask python3-prometheus-client python3-redis)

want=("${build[@]}")
for arg in "$@"; do
  case $arg in
    --test) want+=("${test[@]}") ;;
    --bench) want+=("${test[@]}" "${bench[@]}") ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# kubectl may already come from another package (e.g. Google's "kubectl"); Debian's
# kubernetes-client would conflict with it, so it is only added when kubectl is absent.
if [ "${#want[@]}" -gt "${#build[@]}" ] && ! command -v kubectl >/dev/null; then
  want+=(kubernetes-client)
fi

# BullMQ comes from npm (package-lock.json), into tests/frameworks/node_modules.
npm_frameworks() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/frameworks"
  if [ ! -d "$dir/node_modules/bullmq" ]; then
    echo "install-deps: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Node may come from elsewhere (e.g. NodeSource's nodejs, which bundles npm and conflicts
# with Debian's npm): Debian's are added only when npm is absent.
if [ "${#want[@]}" -gt "${#build[@]}" ] && ! command -v npm >/dev/null; then
  want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  [ "${#want[@]}" -gt "${#build[@]}" ] && npm_frameworks
  exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts services it installs; tests start their own on free ports.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  "${sudo[@]}" systemctl disable --now redis-server prometheus prometheus-redis-exporter >/dev/null 2>&1 || true
fi
[ "${#want[@]}" -gt "${#build[@]}" ] && npm_frameworks
exit 0
