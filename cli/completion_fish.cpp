// `graflowctl completion fish`: `complete` rules generated from the command tree, each
// conditioned on the command path typed so far.
#include "completion_gen.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace graflow::cli {
namespace {

// A single-quoted fish word.
std::string quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    s += (s.empty() ? "" : " ") + w;
  }
  return s;
}

// The arguments of __graflowctl_at: each path double-quoted (paths are plain words).
std::string paths_arg(const std::vector<std::string>& paths) {
  std::string s;
  for (const auto& p : paths) {
    s += " \"" + p + "\"";
  }
  return s;
}

std::string value_flags(ValueKind kind, const std::vector<std::string>& choices) {
  switch (kind) {
  case ValueKind::choice:
    return " -x -a " + quote(join(choices));
  case ValueKind::file:
    return " -r -F";
  case ValueKind::directory:
    return " -x -a '(__fish_complete_directories (commandline -ct))'";
  case ValueKind::profile:
    return " -x -a '(__graflowctl_dynamic profiles)'";
  case ValueKind::context:
    return " -x -a '(__graflowctl_dynamic contexts)'";
  case ValueKind::text:
    return " -x";
  case ValueKind::none:
    break;
  }
  return "";
}

void write_tables(std::ostream& s, const std::vector<const CommandSpec*>& cmds) {
  s << "# The subcommands of each command.\n"
       "function __graflowctl_commands_of\n"
       "    switch $argv[1]\n";
  for (const CommandSpec* cmd : cmds) {
    if (cmd->subcommands.empty()) {
      continue;
    }
    std::vector<std::string> names;
    for (const auto& sub : cmd->subcommands) {
      names.push_back(sub.name());
    }
    s << "        case " << quote(cmd->path_string()) << "\n"
      << "            printf '%s\\n' " << join(names) << "\n";
  }
  s << "    end\nend\n\n"
       "# The options that take a value after each command.\n"
       "function __graflowctl_value_options_of\n"
       "    switch $argv[1]\n";
  for (const CommandSpec* cmd : cmds) {
    std::vector<std::string> names;
    for (const auto& o : cmd->options) {
      if (o.takes_value()) {
        names.insert(names.end(), o.names.begin(), o.names.end());
      }
    }
    s << "        case " << quote(cmd->path_string()) << "\n"
      << "            printf '%s\\n' " << join(names) << "\n";
  }
  s << "    end\nend\n\n";
}

// One rule per option, valid where it is valid: after the paths listed, or (global
// options) after every path but those where a subcommand redefines the name.
void write_options(std::ostream& s, const std::vector<const CommandSpec*>& cmds) {
  std::vector<std::string> all_paths;
  all_paths.reserve(cmds.size());
  for (const CommandSpec* cmd : cmds) {
    all_paths.push_back(cmd->path_string());
  }
  struct Rule {
    const OptionSpec* option;
    bool global;
    std::vector<std::string> paths;
  };
  std::vector<Rule> rules;
  // Commands defining the same option (--set, --profile with the same text) share a rule.
  std::map<std::string, std::size_t> index;
  for (const CommandSpec* cmd : cmds) {
    for (std::size_t i = 0; i < cmd->options.size(); ++i) {
      const OptionSpec& o = cmd->options[i];
      const bool global = cmd->option_owner[i].empty();
      const std::string key = (global ? "global\n" : "\n") + join(o.names) + '\n' + o.description + '\n' +
                              std::to_string(static_cast<int>(o.value)) + '\n' + join(o.choices);
      const auto [it, inserted] = index.emplace(key, rules.size());
      if (inserted) {
        rules.push_back({&o, global, {}});
      }
      rules[it->second].paths.push_back(cmd->path_string());
    }
  }
  for (const auto& rule : rules) {
    std::string condition;
    if (rule.global) {
      std::vector<std::string> excluded;
      for (const auto& p : all_paths) {
        if (std::find(rule.paths.begin(), rule.paths.end(), p) == rule.paths.end()) {
          excluded.push_back(p);
        }
      }
      condition = excluded.empty() ? "" : " -n " + quote("not __graflowctl_at" + paths_arg(excluded));
    } else {
      condition = " -n " + quote("__graflowctl_at" + paths_arg(rule.paths));
    }
    s << "complete -c graflowctl" << condition;
    for (const auto& n : rule.option->names) {
      s << (n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1));
    }
    s << value_flags(rule.option->value, rule.option->choices) << " -d " << quote(rule.option->description) << "\n";
  }
}

constexpr const char* k_functions = R"sh(# fish completion for graflowctl.
# Generated from the command tree by `graflowctl completion fish`; do not edit
# (completions/graflowctl.fish is checked against it by the tests).
# Use: install it as ~/.config/fish/completions/graflowctl.fish, or
# graflowctl completion fish | source.

# Sets __graflowctl_path (the subcommands typed so far: "", "queue", "adapter install")
# and __graflowctl_npos (positional arguments after them), skipping options and values.
function __graflowctl_walk
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path ''
    set -l npos 0
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case '-*=*'
            case '-*'
                contains -- $t (__graflowctl_value_options_of "$path"); and set skip 1
            case '*'
                if contains -- $t (__graflowctl_commands_of "$path")
                    set path (string trim -- "$path $t")
                    set npos 0
                else
                    set npos (math $npos + 1)
                end
        end
    end
    set -g __graflowctl_path $path
    set -g __graflowctl_npos $npos
end

# True when the command path typed so far is one of the arguments.
function __graflowctl_at
    __graflowctl_walk
    contains -- "$__graflowctl_path" $argv
end

# True at the first positional argument of one of the paths given.
function __graflowctl_first_arg_at
    __graflowctl_walk
    test $__graflowctl_npos = 0; and contains -- "$__graflowctl_path" $argv
end

# Profile and context names come from graflowctl itself, with the --config and
# --kubeconfig typed earlier on the line.
function __graflowctl_dynamic --argument-names what
    set -l tokens (commandline -opc)
    set -l extra
    set -l n (count $tokens)
    for i in (seq 2 $n)
        switch $tokens[$i]
            case --config --kubeconfig
                if test $i -lt $n
                    set -a extra $tokens[$i] $tokens[(math $i + 1)]
                end
            case '--config=*' '--kubeconfig=*'
                set -a extra $tokens[$i]
        end
    end
    $tokens[1] $extra __complete $what 2>/dev/null
end

)sh";

} // namespace

std::string fish_completion(const CommandSpec& root) {
  const auto cmds = flatten(root);
  std::ostringstream s;
  s << k_functions;
  write_tables(s, cmds);
  s << "complete -c graflowctl -f\n\n# Commands and their positional arguments.\n";
  for (const CommandSpec* cmd : cmds) {
    for (const auto& sub : cmd->subcommands) {
      s << "complete -c graflowctl -n " << quote("__graflowctl_at" + paths_arg({cmd->path_string()})) << " -a "
        << sub.name() << " -d " << quote(sub.description) << "\n";
    }
    if (!cmd->positionals.empty()) {
      const auto& p = cmd->positionals.front();
      std::string candidates;
      if (p.value == ValueKind::choice) {
        candidates = quote(join(p.choices));
      } else if (p.value == ValueKind::profile) {
        candidates = "'(__graflowctl_dynamic profiles)'";
      } else if (p.value == ValueKind::context) {
        candidates = "'(__graflowctl_dynamic contexts)'";
      }
      if (!candidates.empty()) {
        s << "complete -c graflowctl -n " << quote("__graflowctl_first_arg_at" + paths_arg({cmd->path_string()}))
          << " -a " << candidates << " -d " << quote(p.description) << "\n";
      }
    }
  }
  s << "\n# Options.\n";
  write_options(s, cmds);
  return s.str();
}

} // namespace graflow::cli
