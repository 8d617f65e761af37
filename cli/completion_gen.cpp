// The CLI11 tree walked into CommandSpecs; the generators are in completion_{bash,zsh,fish}.cpp.
#include "completion_gen.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <stdexcept>

namespace graflow::cli {
namespace {

// Values CLI11 cannot tell: what a string option names. Choices (CLI::IsMember) come from
// the tree itself.
ValueKind kind_of_option(const std::string& long_name) {
  static const std::map<std::string, ValueKind> kinds = {
      {"--profile", ValueKind::profile},      {"--context", ValueKind::context},
      {"--config", ValueKind::file},          {"--kubeconfig", ValueKind::file},
      {"--out-dir", ValueKind::directory},    {"--templates", ValueKind::directory},
      {"--backup-dir", ValueKind::directory},
  };
  const auto it = kinds.find(long_name);
  return it == kinds.end() ? ValueKind::text : it->second;
}

ValueKind kind_of_positional(const std::string& path, const std::string& name) {
  if (path == "profiles show" && name == "NAME") {
    return ValueKind::profile;
  }
  return ValueKind::text;
}

// CLI::IsMember shows its set in the type name: "TEXT:{text,json,yaml}".
std::vector<std::string> choices_of(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  const auto open = type.find(":{");
  const auto close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) {
    return {};
  }
  std::vector<std::string> choices;
  std::string item;
  for (const char c : type.substr(open + 2, close - open - 2)) {
    if (c == ',') {
      choices.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  choices.push_back(item);
  return choices;
}

OptionSpec option_of(const CLI::Option& opt) {
  OptionSpec o;
  for (const auto& s : opt.get_snames()) {
    o.names.push_back("-" + s);
  }
  for (const auto& l : opt.get_lnames()) {
    o.names.push_back("--" + l);
  }
  o.description = opt.get_description();
  if (opt.get_expected_max() == 0) {
    o.value = ValueKind::none;
    o.repeatable = opt.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
    return o;
  }
  o.choices = choices_of(opt);
  o.value = o.choices.empty() ? kind_of_option(o.long_name()) : ValueKind::choice;
  o.repeatable = opt.get_expected_max() > 1;
  return o;
}

bool shares_a_name(const OptionSpec& a, const OptionSpec& b) {
  return std::any_of(a.names.begin(), a.names.end(), [&b](const std::string& n) {
    return std::find(b.names.begin(), b.names.end(), n) != b.names.end();
  });
}

bool same_option(const OptionSpec& a, const OptionSpec& b) {
  return a.names == b.names && a.description == b.description && a.value == b.value && a.choices == b.choices;
}

CommandSpec describe(const CLI::App& app, std::vector<std::string> path, const CommandSpec* parent) {
  CommandSpec cmd;
  cmd.path = std::move(path);
  cmd.description = app.get_description();
  const std::vector<const CLI::Option*> opts =
      app.get_options([](const CLI::Option* o) { return !o->get_group().empty(); });
  std::vector<OptionSpec> own;
  for (const CLI::Option* opt : opts) {
    if (!opt->nonpositional()) {
      cmd.positionals.push_back({opt->get_name(true), opt->get_description(),
                                 kind_of_positional(cmd.path_string(), opt->get_name(true)), choices_of(*opt)});
      if (!cmd.positionals.back().choices.empty()) {
        cmd.positionals.back().value = ValueKind::choice;
      }
      continue;
    }
    own.push_back(option_of(*opt));
  }
  // Own options first; an inherited one stays unless an own one takes its name (CLI11
  // repeats the help flag on every subcommand: that copy is the inherited one itself).
  std::vector<bool> inherited_kept(parent == nullptr ? 0 : parent->options.size(), true);
  for (const auto& o : own) {
    bool duplicate = false;
    for (std::size_t i = 0; i < inherited_kept.size(); ++i) {
      if (shares_a_name(o, parent->options[i])) {
        duplicate = duplicate || same_option(o, parent->options[i]);
        inherited_kept[i] = same_option(o, parent->options[i]);
      }
    }
    if (!duplicate) {
      cmd.options.push_back(o);
      cmd.option_owner.push_back(cmd.path);
    }
  }
  for (std::size_t i = 0; i < inherited_kept.size(); ++i) {
    if (inherited_kept[i]) {
      cmd.options.push_back(parent->options[i]);
      cmd.option_owner.push_back(parent->option_owner[i]);
    }
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
    auto sub_path = cmd.path;
    sub_path.push_back(sub->get_name());
    cmd.subcommands.push_back(describe(*sub, sub_path, &cmd));
  }
  return cmd;
}

void check_value_kinds(const CommandSpec& root) {
  std::map<std::string, const OptionSpec*> seen;
  for (const CommandSpec* cmd : flatten(root)) {
    for (const auto& o : cmd->options) {
      for (const auto& n : o.names) {
        const auto [it, inserted] = seen.emplace(n, &o);
        if (!inserted && (it->second->value != o.value || it->second->choices != o.choices)) {
          throw std::logic_error("option " + n + " takes different values in different commands");
        }
      }
    }
  }
}

void collect(const CommandSpec& cmd, std::vector<const CommandSpec*>& out) {
  out.push_back(&cmd);
  for (const auto& sub : cmd.subcommands) {
    collect(sub, out);
  }
}

} // namespace

std::string OptionSpec::long_name() const {
  for (const auto& n : names) {
    if (n.rfind("--", 0) == 0) {
      return n;
    }
  }
  return names.empty() ? std::string() : names.front();
}

std::string CommandSpec::path_string() const {
  std::string s;
  for (const auto& p : path) {
    s += (s.empty() ? "" : " ") + p;
  }
  return s;
}

CommandSpec describe_cli(const CLI::App& app) {
  CommandSpec root = describe(app, {}, nullptr);
  check_value_kinds(root);
  return root;
}

std::vector<const CommandSpec*> flatten(const CommandSpec& root) {
  std::vector<const CommandSpec*> out;
  collect(root, out);
  return out;
}

std::string completion_script(const CommandSpec& root, const std::string& shell) {
  if (shell == "bash") {
    return bash_completion(root);
  }
  if (shell == "zsh") {
    return zsh_completion(root);
  }
  if (shell == "fish") {
    return fish_completion(root);
  }
  throw std::invalid_argument("no completion for shell " + shell);
}

} // namespace graflow::cli
