#!/usr/bin/env bash
# `cmake --install` puts the binary, its templates, the net module, completions and the man
# page where the installed binary finds them, without the source tree.
set -euo pipefail
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$GRAFLOW_BUILD_DIR" --prefix "$prefix" >/dev/null
bin=$prefix/bin/graflowctl
test -x "$bin" || { echo "FAIL: no $bin"; exit 1; }
for f in share/graflowctl/templates/20-hpa.yaml.mustache; do
  test -f "$prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }
done
if ls "$GRAFLOW_BUILD_DIR"/cli/graflowctl-net.so >/dev/null 2>&1; then
  test -f "$prefix"/lib*/graflowctl/graflowctl-net.so || { echo "FAIL: net module not installed"; exit 1; }
fi
test -f "$prefix"/lib*/graflowctl/graflowctl-tls.so || { echo "FAIL: TLS module (rediss://) not installed"; exit 1; }
# Run from an unrelated directory: the templates must come from the install prefix.
cd "$prefix"
out=$("$bin" -v render --profile prod 2>"$prefix/err")
grep -q "templates: $prefix/share/graflowctl/templates" "$prefix/err" || { echo "FAIL: templates not from the prefix:"; cat "$prefix/err"; exit 1; }
grep -q "kind: HorizontalPodAutoscaler" <<<"$out" || { echo "FAIL: no HPA rendered"; exit 1; }
# The installed exporter serves (its HTTP server is in the binary) and loads no module.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" -vv exporter --listen "127.0.0.1:$port" --redis-url redis://127.0.0.1:1 2>"$prefix/exporter.err" &
exporter=$!
ok=0
for _ in $(seq 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.05
done
kill "$exporter"; wait "$exporter" || { echo "FAIL: the installed exporter did not exit 0"; cat "$prefix/exporter.err"; exit 1; }
[ "$ok" = 1 ] || { echo "FAIL: the installed exporter did not serve"; cat "$prefix/exporter.err"; exit 1; }
if grep -q "loaded .*\.so" "$prefix/exporter.err"; then
  echo "FAIL: the exporter loaded a module:"; cat "$prefix/exporter.err"; exit 1
fi
echo "install test: 2 passed, 0 failed"
