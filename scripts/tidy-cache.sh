#!/usr/bin/env bash
# clang-tidy with a result cache, for the tidy preset (CMAKE_CXX_CLANG_TIDY). CMake runs
#   tidy-cache.sh clang-tidy [tidy args...] SOURCE -- COMPILER [compile args...]
# A clean result is remembered under a key made of everything that decides it: the
# preprocessed translation unit (the source and every header it includes, without line
# markers, so the checkout's path does not matter), the source's path inside the repository,
# the tidy and compiler arguments (the checkout's path taken out), the .clang-tidy files and
# the clang-tidy version. The same key later skips the analysis; anything else runs
# clang-tidy as usual. Only clean results are kept, so a finding is never hidden. A full
# run takes ~20 minutes on 2 cores; with the cache, CI re-analyses only what changed.
#   GRAFLOW_TIDY_CACHE   the cache directory (default ${XDG_CACHE_HOME:-~/.cache}/graflowctl/tidy)
#   GRAFLOW_TIDY_CACHE=off   no cache
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tidy=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  tidy+=("$1")
  shift
done
[ $# -gt 0 ] && shift # the "--"
compile=("$@")
if [ ${#tidy[@]} -lt 2 ] || [ ${#compile[@]} -eq 0 ]; then
  echo "tidy-cache.sh: usage: tidy-cache.sh CLANG-TIDY [ARGS...] SOURCE -- COMPILER [ARGS...]" >&2
  exit 2
fi
source_file=${tidy[-1]}

run_tidy() { exec "${tidy[@]}" -- "${compile[@]}"; }

cache=${GRAFLOW_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/graflowctl/tidy}
[ "$cache" = off ] && run_tidy

# The compile command, preprocessing only: without its output and dependency-file options.
pre=()
skip=0
for arg in "${compile[@]}"; do
  if [ "$skip" = 1 ]; then
    skip=0
    continue
  fi
  case $arg in
    -o | -MF | -MT | -MQ) skip=1 ;;
    -c | -MD | -MMD) ;;
    *) pre+=("$arg") ;;
  esac
done

key=$(
  {
    "${pre[@]}" -E -P -o - "$source_file" 2>/dev/null || echo "preprocessing failed $RANDOM$RANDOM"
    realpath --relative-to="$root" "$source_file"
    printf '%s\n' "${tidy[@]:1:${#tidy[@]}-2}" "${pre[@]//"$root"/ROOT}"
    find "$root" -name .clang-tidy -not -path "$root/build/*" -print0 | sort -z | xargs -0 cat
    "${tidy[0]}" --version
  } | sha256sum | cut -d' ' -f1
)
if [ -e "$cache/$key" ]; then
  exit 0
fi
"${tidy[@]}" -- "${compile[@]}"
status=$?
if [ "$status" = 0 ]; then
  mkdir -p "$cache" && touch "$cache/$key"
fi
exit "$status"
