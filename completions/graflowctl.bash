# bash completion for graflowctl                          -*- shell-script -*-
# Generated from the command tree by `graflowctl completion bash`; do not edit
# (completions/graflowctl.bash is checked against it by the tests).
# Use: source <(graflowctl completion bash), or install it as
# /usr/share/bash-completion/completions/graflowctl.

# What may follow each command: subcommands, flags, options taking a value, and how
# its first positional argument completes. Global options are valid after any command.
_graflowctl_spec() {
  case $1 in
    '')
      cmds='profiles render queue adapter deploy scale status exporter doctor simulate completion'
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'profiles')
      cmds='show'
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--set --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'profiles show')
      cmds=''
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--set --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='profiles' ;;
    'render')
      cmds=''
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='-p --profile --set --out-dir --templates --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'queue')
      cmds='depth'
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'queue depth')
      cmds=''
      flags='-w --watch -h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--key-prefix --queue -p --profile --interval --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout -o --output'
      args='' ;;
    'adapter')
      cmds='values install'
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'adapter values')
      cmds=''
      flags='--default-rules -h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--prometheus-url --prometheus-port --templates --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'adapter install')
      cmds=''
      flags='--default-rules --dry-run -h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--prometheus-url --prometheus-port --templates --namespace --release --chart-version --config --kubeconfig --context --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'deploy')
      cmds=''
      flags='--dry-run --wait --force-conflicts -h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='-p --profile --set --templates --timeout --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'scale')
      cmds=''
      flags='--reattach --wait -h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='-p --profile --set --emergency --hold --timeout --backup-dir --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'status')
      cmds=''
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='-p --profile --set --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'exporter')
      cmds=''
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--listen --key-prefix --queue --scrape-timeout --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout -o --output'
      args='' ;;
    'doctor')
      cmds=''
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='-p --profile --set --prometheus-url --prometheus-service --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'simulate')
      cmds=''
      flags='--chart --no-chart --tune -h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='-p --profile --set --depth-trace --from-prometheus --start --end --arrivals-trace --load --per-worker-rate --pod-startup --metric-delay --sync-period --tolerance --downscale-stabilization --start-replicas --duration --step --svg --compare --max-wait --min-replicas --max-replicas --average-value --config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='' ;;
    'completion')
      cmds=''
      flags='-h --help --version --redis-insecure-skip-tls-verify -v --verbose --no-color'
      opts='--config --kubeconfig --context -n --namespace --redis-url --redis-timeout --redis-password-file --redis-user --redis-ca-file --redis-cert-file --redis-key-file --redis-tls-server-name --redis-sentinel-user --redis-sentinel-password-file --request-timeout --key-prefix --queue -o --output'
      args='words bash zsh fish' ;;
    *) cmds='' flags='' opts='' args='' ;;
  esac
}

# Completes the value of option $1.
_graflowctl_value() {
  case $1 in
    --config|--kubeconfig) _graflowctl_complete files ;;
    --context) _graflowctl_complete contexts ;;
    -o|--output) _graflowctl_complete words text json yaml ;;
    -p|--profile) _graflowctl_complete profiles ;;
    --out-dir|--templates|--backup-dir) _graflowctl_complete dirs ;;
  esac
}

# _graflowctl_complete KIND [WORD...]: adds the candidates of KIND that start with $cur
# to COMPREPLY. Profiles and contexts come from graflowctl itself, with the --config or
# --kubeconfig typed earlier on the line.
_graflowctl_complete() {
  local kind=$1 w flag
  shift
  case $kind in
    words)
      for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
      done ;;
    profiles|contexts)
      while IFS= read -r w; do
        [[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("$w")
      done < <("$prog" "${extra[@]}" __complete "$kind" 2>/dev/null) ;;
    files|dirs)
      if declare -F _filedir >/dev/null; then
        if [[ $kind == dirs ]]; then _filedir -d; else _filedir; fi
      else
        compopt -o filenames 2>/dev/null
        if [[ $kind == dirs ]]; then flag=-d; else flag=-f; fi
        while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen "$flag" -- "$cur")
      fi ;;
  esac
}

# Without bash-completion: the words of the line, with the ones COMP_WORDBREAKS split at
# '=' and ':' joined again (--output=json, a context named arn:aws:eks:...).
_graflowctl_split_words() {
  local i w
  words=() cword=0
  for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
    w=${COMP_WORDS[i]}
    if ((i > 0)) && [[ $w == [=:] || ${COMP_WORDS[i-1]} == [=:] ]]; then
      words[${#words[@]}-1]+=$w
    else
      words+=("$w")
    fi
    ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
  done
  cur=${words[cword]}
  prev=${words[cword-1]}
}

# Keeps --config/--kubeconfig FILE for the __complete calls (bash does not expand ~ here).
_graflowctl_add_extra() {
  local file=$2
  [[ $file == '~/'* ]] && file=$HOME/${file#'~/'}
  extra+=("$1" "$file")
}

_graflowctl() {
  local cur prev words cword
  if declare -F _get_comp_words_by_ref >/dev/null; then
    _get_comp_words_by_ref -n =: cur prev words cword
  else
    _graflowctl_split_words
  fi
  local prog=${words[0]} path='' npos=0 i w cmds flags opts args
  local -a extra=()
  _graflowctl_spec ''
  # Walk the words before the cursor: options (and the values they take), subcommands,
  # positional arguments.
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --config=*|--kubeconfig=*) _graflowctl_add_extra "${w%%=*}" "${w#*=}" ;;
      -*=*) ;;
      -*)
        if [[ " $opts " == *" $w "* ]]; then
          i=$((i + 1))
          [[ $w == --config || $w == --kubeconfig ]] && ((i < cword)) && _graflowctl_add_extra "$w" "${words[i]}"
        fi ;;
      *)
        if [[ " $cmds " == *" $w "* ]]; then
          path=${path:+$path }$w
          npos=0
          _graflowctl_spec "$path"
        else
          npos=$((npos + 1))
        fi ;;
    esac
  done

  COMPREPLY=()
  if [[ $cur == -*=* && " $opts " == *" ${cur%%=*} "* ]]; then
    local opt=${cur%%=*}
    cur=${cur#*=}
    _graflowctl_value "$opt"
    # bash replaces only what follows the '=' when '=' breaks words (the default).
    [[ $COMP_WORDBREAKS == *=* ]] || COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
  elif ((cword > 1)) && [[ $prev == -* && " $opts " == *" $prev "* ]]; then
    _graflowctl_value "$prev"
  elif [[ $cur == -* ]]; then
    _graflowctl_complete words $flags $opts
  else
    _graflowctl_complete words $cmds
    ((npos == 0)) && [[ -n $args ]] && _graflowctl_complete $args
    # Nothing else to type here: offer the options.
    [[ -z $cur && -z $cmds && -z $args && ${#COMPREPLY[@]} -eq 0 ]] && _graflowctl_complete words $flags $opts
  fi
  # bash replaces only what follows the last ':' when ':' breaks words (the default).
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local colon_prefix=${cur%"${cur##*:}"}
    i=${#COMPREPLY[*]}
    while ((i-- > 0)); do
      COMPREPLY[i]=${COMPREPLY[i]#"$colon_prefix"}
    done
  fi
  return 0
}
complete -F _graflowctl graflowctl
