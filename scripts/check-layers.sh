#!/usr/bin/env bash
# Checks that lib/'s layers only include what ARCHITECTURE.md allows them (dependencies point
# down), and that only cli/ includes CLI11. Prints every violation as FILE:LINE and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]=""
  [config]="core"
  [redis]="core"
  [net]="core"
  [helm]="core"
  [queues]="redis core"
  [render]="config core"
  [kube]="net core"
  [simulate]="config net core"
  [exporter]="queues redis net config core"
  [actions]="simulate exporter render kube helm queues redis net config core"
)

status=0
for dir in lib/graflow/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+set}" ]; then
    echo "check-layers: lib/graflow/$layer is not a known layer: add it to ARCHITECTURE.md and to this script" >&2
    status=1
    continue
  fi
  while IFS=: read -r file line text; do
    dep=$(sed -E 's|.*#include "graflow/([a-z_]+)/.*|\1|' <<<"$text")
    [ "$dep" = "$layer" ] && continue
    case " ${allowed[$layer]} " in
      *" $dep "*) ;;
      *) echo "$file:$line: $layer/ must not include graflow/$dep/ (see ARCHITECTURE.md)"; status=1 ;;
    esac
  done < <(grep -rnE '#include "graflow/[a-z_]+/' "$dir" || true)
done
if grep -rnE '#include <CLI/' lib/; then
  echo "check-layers: only cli/ includes CLI11" >&2
  status=1
fi
exit $status
