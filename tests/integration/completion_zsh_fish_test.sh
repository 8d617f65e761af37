#!/usr/bin/env bash
# completions/_graflowctl and completions/graflowctl.fish in a real zsh and fish: both
# parse, and completing a line offers what a user expects. zsh runs interactively in a
# pseudo-terminal (tests/support/zsh_complete.zsh); fish answers `complete -C LINE`.
# Profile and context names come from the real binary (graflowctl __complete).
set -euo pipefail
: "${GRAFLOWCTL:?path of the graflowctl binary}" "${GRAFLOW_SOURCE_DIR:?}"
for tool in zsh fish; do
  command -v $tool >/dev/null || { echo "FAIL: $tool missing (scripts/install-deps.sh --test)"; exit 1; }
done
zsh_script=$GRAFLOW_SOURCE_DIR/completions/_graflowctl
fish_script=$GRAFLOW_SOURCE_DIR/completions/graflowctl.fish

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/fpath" "$tmp/manifests"
ln -s "$GRAFLOWCTL" "$tmp/bin/graflowctl"
cp "$zsh_script" "$tmp/fpath/_graflowctl"
printf 'profiles:\n  staging:\n    extends: dev\n' >"$tmp/config.yaml"
printf 'profiles:\n  only-in-other:\n    extends: dev\n' >"$tmp/other.yaml"
cat >"$tmp/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: t}
contexts:
- name: kind-graflow
  context: {cluster: c, user: u}
current-context: kind-graflow
EOF
export PATH=$tmp/bin:$PATH HOME=$tmp/home GRAFLOW_CONFIG=$tmp/config.yaml KUBECONFIG=$tmp/kubeconfig
unset XDG_CONFIG_HOME
cd "$tmp"

pass=0 fail=0
check() { # check NAME COMMAND...: a command that must succeed
  local name=$1
  shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}
check "zsh parses _graflowctl" zsh -n "$zsh_script"
check "fish parses graflowctl.fish" fish --no-execute "$fish_script"

candidates() { # candidates SHELL LINE: one candidate per line
  case $1 in
    zsh) timeout 30 zsh -f "$GRAFLOW_SOURCE_DIR/tests/support/zsh_complete.zsh" "$tmp/fpath" "$2" ;;
    fish) timeout 30 fish --no-config -c 'source $argv[1]; complete -C"$argv[2]"' "$fish_script" "$2" | cut -f1 ;;
  esac
}

expect() { # expect SHELL LINE WORD...: every WORD is offered
  local shell=$1 line=$2 got w ok=1
  shift 2
  got=$(candidates "$shell" "$line" || true)
  for w in "$@"; do grep -qxF -- "$w" <<<"$got" || ok=0; done
  if ((ok)); then pass=$((pass + 1)); else
    fail=$((fail + 1))
    echo "FAIL ($shell): '$line' should offer: $*; got: $(tr '\n' ' ' <<<"$got")"
  fi
}

expect_not() { # expect_not SHELL LINE WORD...: no WORD is offered
  local shell=$1 line=$2 got w ok=1
  shift 2
  got=$(candidates "$shell" "$line" || true)
  for w in "$@"; do grep -qxF -- "$w" <<<"$got" && ok=0; done
  if ((ok)); then pass=$((pass + 1)); else
    fail=$((fail + 1))
    echo "FAIL ($shell): '$line' should not offer: $*; got: $(tr '\n' ' ' <<<"$got")"
  fi
}

for shell in zsh fish; do
  expect $shell 'graflowctl re' render
  expect $shell 'graflowctl ' profiles render queue adapter deploy scale status exporter doctor completion
  expect_not $shell 'graflowctl ' __complete
  expect $shell 'graflowctl render --o' --out-dir --output
  expect $shell 'graflowctl -o j' json
  expect $shell 'graflowctl render --profile ' dev prod staging
  expect $shell 'graflowctl --config other.yaml render -p ' only-in-other
  expect_not $shell 'graflowctl --config other.yaml render -p ' staging
  expect $shell 'graflowctl profiles show ' dev prod staging
  expect $shell 'graflowctl --context ' kind-graflow
  expect $shell 'graflowctl queue depth --' --key-prefix --profile --watch --interval --redis-url
  expect $shell 'graflowctl adapter ' values install
  expect $shell 'graflowctl adapter install --' --prometheus-url --release --chart-version --dry-run
  expect $shell 'graflowctl scale --emergency 3 --h' --hold --help
  expect $shell 'graflowctl exporter --' --listen --scrape-timeout
  expect $shell 'graflowctl doctor --' --prometheus-url --profile
  expect $shell 'graflowctl completion ' bash zsh fish
  # Global options after the command (kubectl style).
  expect $shell 'graflowctl render --profile prod --n' --namespace --no-color
done

echo "zsh and fish completion: $pass passed, $fail failed"
((fail == 0))
