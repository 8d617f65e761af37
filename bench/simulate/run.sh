#!/usr/bin/env bash
# `graflowctl simulate` benchmark (not a test): end-to-end wall time of
#   (a) a 7-day arrivals trace at 1 s resolution (604,800 rows): parse + closed loop + summary
#   (b) the same as an open-loop depth trace
#   (c) --tune over >= 200 candidates on a one-day trace (86,400 rows)
#   (d) a short command's start-up (--help), to see that PLplot is not loaded without --svg
# with hyperfine when it is installed (else /usr/bin/time, one run each).
#
#   bench/simulate/run.sh                   # builds a Release graflowctl in build/release
#   GRAFLOWCTL=path/to/graflowctl bench/simulate/run.sh
#
# Needs: cmake, python3; hyperfine optional (scripts/install-deps.sh --bench).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -z "${GRAFLOWCTL:-}" ]; then
  echo "building a Release graflowctl in build/release ..." >&2
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target graflowctl >/dev/null)
  GRAFLOWCTL=$root/build/release/cli/graflowctl
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/graflow-sim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A daily curve (2..30 tasks/s) with a burst every 6 h, one row per second; deterministic.
python3 - "$work" <<'PY'
import math, sys
work = sys.argv[1]
def rows(days, kind):
    out = [f"seconds,{kind}"]
    for t in range(days * 86400):
        rate = 2 + 14 * (1 - math.cos(2 * math.pi * t / 86400))
        n = int(rate) + (500 if t % 21600 == 3600 else 0)
        out.append(f"{t},{n if kind == 'tasks' else n * 3}")
    return "\n".join(out) + "\n"
open(f"{work}/week-arrivals.csv", "w").write(rows(7, "tasks"))
open(f"{work}/week-depth.csv", "w").write(rows(7, "depth"))
open(f"{work}/day-arrivals.csv", "w").write(rows(1, "tasks"))
PY
wc -l "$work"/*.csv | sed 's/^/  /'

cfg=$work/empty.yaml
: >"$cfg"
week_closed=("$GRAFLOWCTL" --config "$cfg" simulate -p prod --arrivals-trace "$work/week-arrivals.csv"
  --per-worker-rate 1 --set maxReplicas=40 -o json)
week_open=("$GRAFLOWCTL" --config "$cfg" simulate -p prod --depth-trace "$work/week-depth.csv" -o json)
tune_day=("$GRAFLOWCTL" --config "$cfg" simulate -p prod --arrivals-trace "$work/day-arrivals.csv"
  --per-worker-rate 1 --tune --max-wait 2m --max-replicas 20..60 --no-chart)

echo
"${tune_day[@]}" | sed -n '/^tune:/,$p'
echo
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 1 --runs 5 \
    -n "7-day closed loop (604,800 rows)" "$(printf '%q ' "${week_closed[@]}")" \
    -n "7-day open loop (604,800 rows)" "$(printf '%q ' "${week_open[@]}")" \
    -n "tune (one day)" "$(printf '%q ' "${tune_day[@]}")" \
    -n "help (start-up)" "$GRAFLOWCTL --help"
else
  for name in week_closed week_open tune_day; do
    declare -n cmd=$name
    /usr/bin/time -f "$name: %e s wall, %M KiB peak RSS" "${cmd[@]}" >/dev/null
  done
fi
echo
echo "shared libraries loaded by the binary (ldd): $(ldd "$GRAFLOWCTL" | wc -l);" \
  "by graflowctl-plot.so (only with --svg): $(ldd "$(dirname "$GRAFLOWCTL")/graflowctl-plot.so" 2>/dev/null | wc -l)"
