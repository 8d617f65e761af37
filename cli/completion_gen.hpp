#pragma once
// The command tree as plain data, walked from the CLI11 App that make_app() builds, and
// the bash, zsh and fish completion scripts generated from it. Generating the scripts from
// the tree means a new command or flag is completed without anyone remembering to.
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace graflow::cli {

// What the value of an option (or a positional argument) is, and so how it completes.
enum class ValueKind {
  none,      // a flag: takes no value
  text,      // free text: nothing to offer
  choice,    // one of `choices`
  file,      // a file name
  directory, // a directory name
  profile,   // a profile name, from `graflowctl __complete profiles`
  context,   // a kubeconfig context, from `graflowctl __complete contexts`
};

struct OptionSpec {
  std::vector<std::string> names; // "-o", "--output": short names first
  std::string description;
  ValueKind value = ValueKind::none;
  std::vector<std::string> choices;
  bool repeatable = false;

  [[nodiscard]] bool takes_value() const { return value != ValueKind::none; }
  [[nodiscard]] std::string long_name() const; // "--output", else the short name
};

struct PositionalSpec {
  std::string name; // "SHELL"
  std::string description;
  ValueKind value = ValueKind::text;
  std::vector<std::string> choices;
};

struct CommandSpec {
  std::vector<std::string> path; // {"adapter", "install"}; empty for graflowctl itself
  std::string description;
  // Every option valid after this command: its own, then its ancestors' (global options
  // are valid after any command, kubectl style) unless one of its own has the same name.
  std::vector<OptionSpec> options;
  // The command that defines each of `options` (same index): a path as in `path`.
  std::vector<std::vector<std::string>> option_owner;
  std::vector<PositionalSpec> positionals;
  std::vector<CommandSpec> subcommands; // hidden ones (group "") are left out

  [[nodiscard]] std::string name() const { return path.empty() ? "graflowctl" : path.back(); }
  [[nodiscard]] std::string path_string() const; // "adapter install"; "" for the root
};

// The tree below `app` (the root from make_app). Hidden commands are left out. Throws
// std::logic_error when one option name means two kinds of value in different commands:
// the scripts complete values by option name.
CommandSpec describe_cli(const CLI::App& app);

// Every command of the tree, parents before children.
std::vector<const CommandSpec*> flatten(const CommandSpec& root);

std::string bash_completion(const CommandSpec& root);
std::string zsh_completion(const CommandSpec& root);
std::string fish_completion(const CommandSpec& root);

// The script for "bash", "zsh" or "fish"; std::invalid_argument for another shell.
std::string completion_script(const CommandSpec& root, const std::string& shell);

} // namespace graflow::cli
