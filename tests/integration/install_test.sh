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
# Run from an unrelated directory: the templates must come from the install prefix.
cd "$prefix"
out=$("$bin" -v render --profile prod 2>"$prefix/err")
grep -q "templates: $prefix/share/graflowctl/templates" "$prefix/err" || { echo "FAIL: templates not from the prefix:"; cat "$prefix/err"; exit 1; }
grep -q "kind: HorizontalPodAutoscaler" <<<"$out" || { echo "FAIL: no HPA rendered"; exit 1; }
echo "install test: 1 passed, 0 failed"
