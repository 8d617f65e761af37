#!/usr/bin/env bash
# Checks that lib/'s layers only include what ARCHITECTURE.md allows them: the layers below
# them (dependencies point down) and the third-party libraries each layer owns (hiredis only
# in redis/, libcurl and libevent only in net/, ...), and that only cli/ includes CLI11.
# Prints every violation as FILE:LINE and exits 1. (System headers are on every include
# path, so the build alone cannot refuse such an include; this check does.)
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

# Third-party headers each layer may include (by the first path component of the include).
declare -A libs=(
  [core]="fmt nlohmann yaml-cpp date"
  [config]="fmt nlohmann yaml-cpp"
  [render]="fmt nlohmann yaml-cpp kainjow"
  [redis]="fmt hiredis openssl"
  [queues]="fmt nlohmann yaml-cpp"
  [net]="fmt nlohmann curl event2"
  [kube]="fmt nlohmann yaml-cpp"
  [helm]="fmt"
  [exporter]="fmt"
  [simulate]="fmt nlohmann yaml-cpp plplot"
  [actions]="fmt nlohmann yaml-cpp"
)
third_party='hiredis|openssl|curl|event2|yaml-cpp|kainjow|plplot|date|nlohmann|fmt|CLI'

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
  while IFS=: read -r file line text; do
    lib=$(sed -E "s|.*#include <([^/>.]+).*|\1|" <<<"$text")
    case " ${libs[$layer]} " in
      *" $lib "*) ;;
      *) echo "$file:$line: $layer/ must not include <$lib/...> (see ARCHITECTURE.md)"; status=1 ;;
    esac
  done < <(grep -rnE "#include <($third_party)[/.]" "$dir" || true)
done
if grep -rnE '#include <CLI/' lib/; then
  echo "check-layers: only cli/ includes CLI11" >&2
  status=1
fi
exit $status
