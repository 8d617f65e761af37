// `graflowctl completion bash`: tables generated from the command tree, and one function
// that walks the words typed so far through them.
#include "completion_gen.hpp"

#include <map>
#include <sstream>

namespace graflow::cli {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    s += (s.empty() ? "" : " ") + w;
  }
  return s;
}

// How a value of this kind completes: the arguments of _graflowctl_complete.
std::string completer(ValueKind kind, const std::vector<std::string>& choices) {
  switch (kind) {
  case ValueKind::choice:
    return "words " + join(choices);
  case ValueKind::file:
    return "files";
  case ValueKind::directory:
    return "dirs";
  case ValueKind::profile:
    return "profiles";
  case ValueKind::context:
    return "contexts";
  case ValueKind::none:
  case ValueKind::text:
    break;
  }
  return "";
}

void write_spec(std::ostream& s, const CommandSpec& root) {
  s << "# What may follow each command: subcommands, flags, options taking a value, and how\n"
       "# its first positional argument completes. Global options are valid after any command.\n"
       "_graflowctl_spec() {\n"
       "  case $1 in\n";
  for (const CommandSpec* cmd : flatten(root)) {
    std::vector<std::string> cmds;
    std::vector<std::string> flags;
    std::vector<std::string> opts;
    for (const auto& sub : cmd->subcommands) {
      cmds.push_back(sub.name());
    }
    for (const auto& o : cmd->options) {
      for (const auto& n : o.names) {
        (o.takes_value() ? opts : flags).push_back(n);
      }
    }
    const std::string args =
        cmd->positionals.empty() ? "" : completer(cmd->positionals.front().value, cmd->positionals.front().choices);
    s << "    '" << cmd->path_string() << "')\n"
      << "      cmds='" << join(cmds) << "'\n"
      << "      flags='" << join(flags) << "'\n"
      << "      opts='" << join(opts) << "'\n"
      << "      args='" << args << "' ;;\n";
  }
  s << "    *) cmds='' flags='' opts='' args='' ;;\n"
       "  esac\n"
       "}\n\n";
}

void write_values(std::ostream& s, const CommandSpec& root) {
  // Option names mean the same value everywhere (describe_cli checks), so one table.
  std::map<std::string, std::string> by_completer; // completer -> "-o|--output"
  std::vector<std::string> order;
  for (const CommandSpec* cmd : flatten(root)) {
    for (const auto& o : cmd->options) {
      const std::string c = completer(o.value, o.choices);
      if (c.empty()) {
        continue;
      }
      auto& pattern = by_completer[c];
      if (pattern.empty()) {
        order.push_back(c);
      }
      for (const auto& n : o.names) {
        if (("|" + pattern + "|").find("|" + n + "|") == std::string::npos) {
          pattern += (pattern.empty() ? "" : "|") + n;
        }
      }
    }
  }
  s << "# Completes the value of option $1.\n"
       "_graflowctl_value() {\n"
       "  case $1 in\n";
  for (const auto& c : order) {
    s << "    " << by_completer[c] << ") _graflowctl_complete " << c << " ;;\n";
  }
  s << "  esac\n"
       "}\n\n";
}

// Everything that does not depend on the tree.
constexpr const char* k_functions =
    R"sh(# _graflowctl_complete KIND [WORD...]: adds the candidates of KIND that start with $cur
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
)sh";

} // namespace

std::string bash_completion(const CommandSpec& root) {
  std::ostringstream s;
  s << "# bash completion for graflowctl                          -*- shell-script -*-\n"
       "# Generated from the command tree by `graflowctl completion bash`; do not edit\n"
       "# (completions/graflowctl.bash is checked against it by the tests).\n"
       "# Use: source <(graflowctl completion bash), or install it as\n"
       "# /usr/share/bash-completion/completions/graflowctl.\n\n";
  write_spec(s, root);
  write_values(s, root);
  s << k_functions;
  return s.str();
}

} // namespace graflow::cli
