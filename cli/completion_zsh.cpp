// `graflowctl completion zsh`: one _arguments function per command of the tree.
#include "completion_gen.hpp"

#include <cctype>
#include <sstream>

namespace graflow::cli {
namespace {

// Text for inside a single-quoted zsh word.
std::string quote_body(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out;
}

// An _arguments explanation: [ and ] end it unless escaped.
std::string explanation(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '[' || c == ']' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return quote_body(out);
}

std::string function_name(const CommandSpec& cmd) {
  std::string name = "_graflowctl_cmd";
  for (const auto& p : cmd.path) {
    name += '_';
    for (const char c : p) {
      name += (c == '-') ? '_' : c;
    }
  }
  return name;
}

std::string action(ValueKind kind, const std::vector<std::string>& choices) {
  switch (kind) {
  case ValueKind::choice: {
    std::string words;
    for (const auto& c : choices) {
      words += (words.empty() ? "" : " ") + c;
    }
    return "(" + words + ")";
  }
  case ValueKind::file:
    return "_files";
  case ValueKind::directory:
    return "_files -/";
  case ValueKind::profile:
    return "_graflowctl_profiles";
  case ValueKind::context:
    return "_graflowctl_contexts";
  case ValueKind::none:
  case ValueKind::text:
    break;
  }
  return " ";
}

// '(-o --output)'{-o+,--output=}'[output format]:output:(text json yaml)'
std::string option_spec(const OptionSpec& o) {
  std::string prefix;
  if (o.repeatable) {
    prefix = "*";
  } else if (o.names.size() > 1) {
    prefix = "(";
    for (const auto& n : o.names) {
      prefix += (prefix.size() > 1 ? " " : "") + n;
    }
    prefix += ")";
  }
  std::vector<std::string> names;
  for (const auto& n : o.names) {
    const bool is_long = n.rfind("--", 0) == 0;
    names.push_back(o.takes_value() ? n + (is_long ? "=" : "+") : n);
  }
  std::string tail = "[" + explanation(o.description) + "]";
  if (o.takes_value()) {
    std::string label = o.long_name();
    label.erase(0, label.find_first_not_of('-'));
    tail += ":" + label + ":" + quote_body(action(o.value, o.choices));
  }
  if (names.size() == 1) {
    return "'" + prefix + names.front() + tail + "'";
  }
  std::string braces;
  for (const auto& n : names) {
    braces += (braces.empty() ? "{" : ",") + n;
  }
  return (prefix.empty() ? "" : "'" + prefix + "'") + braces + "}'" + tail + "'";
}

void write_command(std::ostream& s, const CommandSpec& cmd) {
  s << function_name(cmd) << "() {\n";
  const bool has_subcommands = !cmd.subcommands.empty();
  if (has_subcommands) {
    s << "  local curcontext=$curcontext state state_descr line ret=1\n"
         "  typeset -A opt_args\n"
         "  _arguments -C -s -S \\\n";
  } else {
    s << "  _arguments -s -S \\\n";
  }
  for (const auto& o : cmd.options) {
    s << "    " << option_spec(o) << " \\\n";
  }
  if (has_subcommands) {
    s << "    ': :->command' \\\n"
         "    '*:: :->argument' && ret=0\n"
         "  case $state in\n"
         "    command)\n"
         "      local -a commands=(\n";
    for (const auto& sub : cmd.subcommands) {
      s << "        '" << sub.name() << ":" << quote_body(sub.description) << "'\n";
    }
    const std::string what = cmd.path.empty() ? "graflowctl" : "graflowctl " + cmd.path_string();
    s << "      )\n"
         "      _describe -t commands '"
      << what
      << " command' commands && ret=0 ;;\n"
         "    argument)\n"
         "      curcontext=${curcontext%:*:*}:graflowctl-$words[1]:\n"
         "      case $words[1] in\n";
    for (const auto& sub : cmd.subcommands) {
      s << "        " << sub.name() << ") " << function_name(sub) << " && ret=0 ;;\n";
    }
    s << "      esac ;;\n"
         "  esac\n"
         "  return ret\n";
  } else {
    int index = 1;
    for (const auto& p : cmd.positionals) {
      std::string label = p.name;
      for (auto& c : label) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      s << "    '" << index++ << ":" << label << ":" << quote_body(action(p.value, p.choices)) << "' \\\n";
    }
    s << "    && return 0\n"
         "  return 1\n";
  }
  s << "}\n\n";
}

constexpr const char* k_header = R"sh(#compdef graflowctl
# zsh completion for graflowctl.
# Generated from the command tree by `graflowctl completion zsh`; do not edit
# (completions/_graflowctl is checked against it by the tests).
# Use: put it in a directory of $fpath as _graflowctl, or source <(graflowctl completion zsh).

# Profile and context names come from graflowctl itself, with the --config and
# --kubeconfig typed earlier on the line.
_graflowctl_dynamic() {
  local -a names
  names=(${(f)"$(_call_program $1 ${(q)_graflowctl_prog} ${(@q)_graflowctl_extra} __complete $1 2>/dev/null)"})
  _wanted $1 expl ${1%s} compadd -a names
}
_graflowctl_profiles() { _graflowctl_dynamic profiles }
_graflowctl_contexts() { _graflowctl_dynamic contexts }

)sh";

constexpr const char* k_footer = R"sh(_graflowctl() {
  local _graflowctl_prog=$words[1] i
  local -a _graflowctl_extra
  for (( i = 2; i < CURRENT; i++ )); do
    case $words[i] in
      (--config|--kubeconfig) (( i + 1 < CURRENT )) && _graflowctl_extra+=($words[i] ${(Q)words[i+1]/#\~/$HOME}) ;;
      (--config=*|--kubeconfig=*) _graflowctl_extra+=(${(Q)words[i]}) ;;
    esac
  done
  _graflowctl_cmd "$@"
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _graflowctl "$@"
else
  compdef _graflowctl graflowctl
fi
)sh";

} // namespace

std::string zsh_completion(const CommandSpec& root) {
  std::ostringstream s;
  s << k_header;
  for (const CommandSpec* cmd : flatten(root)) {
    write_command(s, *cmd);
  }
  s << k_footer;
  return s.str();
}

} // namespace graflow::cli
