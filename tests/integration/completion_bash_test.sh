#!/usr/bin/env bash
# completions/graflowctl.bash in a real bash: the line is split into COMP_WORDS the way
# readline does, the completion function runs, and COMPREPLY must hold what a user
# expects. Once with bash-completion loaded (as on a Debian desktop), once without.
# Profile and context names come from the real binary (graflowctl __complete), reading a
# temporary config file and kubeconfig.
set -euo pipefail
: "${GRAFLOWCTL:?path of the graflowctl binary}" "${GRAFLOW_SOURCE_DIR:?}"
script=$GRAFLOW_SOURCE_DIR/completions/graflowctl.bash
bash_completion=/usr/share/bash-completion/bash_completion
[ -f "$bash_completion" ] || { echo "FAIL: $bash_completion missing (scripts/install-deps.sh --test)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/manifests"
ln -s "$GRAFLOWCTL" "$tmp/bin/graflowctl"
cat >"$tmp/config.yaml" <<'EOF'
profiles:
  staging:
    extends: dev
  tenant-b:
    extends: prod
EOF
cat >"$tmp/other.yaml" <<'EOF'
profiles:
  only-in-other:
    extends: dev
EOF
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
- name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
  context: {cluster: c, user: u}
current-context: kind-graflow
EOF

# The cases, run by a child bash that has sourced the script (and maybe bash-completion).
cat >"$tmp/cases.bash" <<'EOF'
pass=0 fail=0

# complete LINE: COMPREPLY for the cursor at the end of LINE, one candidate per line.
complete_line() {
  local line=$1 word
  COMP_LINE=$line COMP_POINT=${#line} COMP_WORDS=() COMPREPLY=()
  # readline: split at blanks, and make each run of '=' or ':' a word of its own.
  for word in $line; do
    while [[ $word =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
      [[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
      COMP_WORDS+=("${BASH_REMATCH[2]}")
      word=${BASH_REMATCH[3]}
    done
    [[ -n $word ]] && COMP_WORDS+=("$word")
  done
  [[ $line == *' ' ]] && COMP_WORDS+=('')
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  _graflowctl graflowctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}

# expect LINE WORD...: every WORD is among the candidates.
expect() {
  local line=$1 got w ok=1
  shift
  got=$(complete_line "$line")
  for w in "$@"; do
    grep -qxF -- "$w" <<<"$got" || ok=0
  done
  if ((ok)); then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL ($mode): '$line' should offer: $*; got: $(tr '\n' ' ' <<<"$got")"
  fi
}

# expect_not LINE WORD...: no WORD is among the candidates.
expect_not() {
  local line=$1 got w ok=1
  shift
  got=$(complete_line "$line")
  for w in "$@"; do
    grep -qxF -- "$w" <<<"$got" && ok=0
  done
  if ((ok)); then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL ($mode): '$line' should not offer: $*; got: $(tr '\n' ' ' <<<"$got")"
  fi
}

expect 'graflowctl re' render
expect_not 'graflowctl re' deploy
expect 'graflowctl ' profiles render queue adapter deploy scale status exporter doctor completion
expect_not 'graflowctl ' __complete
expect 'graflowctl render --o' --out-dir --output
expect 'graflowctl -o j' json
expect 'graflowctl render -o ' text json yaml
expect 'graflowctl --output=y' yaml
expect 'graflowctl render --profile ' dev prod staging tenant-b
expect 'graflowctl render -p st' staging
expect 'graflowctl --config other.yaml render --profile ' dev prod only-in-other
expect_not 'graflowctl --config other.yaml render --profile ' staging
expect 'graflowctl --config=other.yaml status -p o' only-in-other
expect 'graflowctl profiles show ' dev prod staging
expect 'graflowctl --context ' kind-graflow arn:aws:eks:eu-west-1:123456789012:cluster/prod
# ':' breaks words in bash: only what follows the last ':' is replaced.
expect 'graflowctl --context arn:aws:eks:eu' 'eu-west-1:123456789012:cluster/prod'
expect 'graflowctl --kubeconfig missing.yaml --context ' # nothing, and no error
expect_not 'graflowctl --kubeconfig missing.yaml --context ' kind-graflow
expect 'graflowctl queue ' depth
expect 'graflowctl queue depth --' --key-prefix --profile --watch --interval --redis-url --output
expect 'graflowctl adapter ' values install
expect 'graflowctl adapter install --' --prometheus-url --namespace --release --chart-version --dry-run --context
expect 'graflowctl scale --' --emergency --hold --reattach --wait --timeout --backup-dir
expect 'graflowctl exporter --' --listen --key-prefix --scrape-timeout
expect 'graflowctl doctor --' --profile --prometheus-url
expect 'graflowctl completion ' bash zsh fish
expect_not 'graflowctl completion bash ' bash zsh fish
# Global options after the command (kubectl style), and option values skipped on the way.
expect 'graflowctl render --profile prod --n' --namespace --no-color
expect 'graflowctl -n ns --context kind-graflow q' queue
expect 'graflowctl render --out-dir ' manifests
expect_not 'graflowctl render --out-dir ' config.yaml
expect 'graflowctl --ver' --verbose --version
expect 'graflowctl --config ' config.yaml other.yaml kubeconfig

echo "bash completion ($mode): $pass passed, $fail failed"
((fail == 0))
EOF

export PATH=$tmp/bin:$PATH HOME=$tmp/home GRAFLOW_CONFIG=$tmp/config.yaml KUBECONFIG=$tmp/kubeconfig
unset XDG_CONFIG_HOME
cd "$tmp"
status=0
bash --norc --noprofile -c "mode='with bash-completion'; source '$bash_completion'; source '$script'; source '$tmp/cases.bash'" ||
  status=1
bash --norc --noprofile -c "mode='plain bash'; source '$script'; source '$tmp/cases.bash'" || status=1
exit $status
