#pragma once
// The command tree as the tests see it, walked straight from CLI11 (not through
// cli/completion_gen.hpp, whose walk is under test): for checks that the completion
// scripts and the man page leave no command or option out.
#include "app.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

namespace graflow::testing {

struct CliNode {
  std::vector<std::string> path;                 // {"adapter", "install"}
  std::vector<std::vector<std::string>> options; // own options, each as its names ("-o", "--output")
  std::vector<std::string> positionals;          // "SHELL"
  std::vector<std::string> children;             // names of the visible subcommands
  const CliNode* parent = nullptr;

  [[nodiscard]] std::string path_string() const {
    std::string s;
    for (const auto& p : path) {
      s += (s.empty() ? "" : " ") + p;
    }
    return s;
  }

  // Options valid after this command: its own, then each ancestor's unless a nearer
  // command already uses one of its names (graflowctl's global options fall through).
  [[nodiscard]] std::vector<std::string> valid_option_names() const {
    std::vector<std::string> names;
    for (const CliNode* n = this; n != nullptr; n = n->parent) {
      for (const auto& opt : n->options) {
        bool taken = false;
        for (const auto& name : opt) {
          taken = taken || std::find(names.begin(), names.end(), name) != names.end();
        }
        if (!taken) {
          names.insert(names.end(), opt.begin(), opt.end());
        }
      }
    }
    return names;
  }
};

// Every visible command (group not empty), parents first. `skip_help` leaves out the
// help flag CLI11 copies onto every subcommand (the root keeps it).
inline void walk_cli(const CLI::App& app, std::vector<std::string> path, const CliNode* parent, bool skip_help,
                     std::vector<std::unique_ptr<CliNode>>& out) {
  auto node = std::make_unique<CliNode>();
  node->path = std::move(path);
  node->parent = parent;
  for (const CLI::Option* opt : app.get_options([](const CLI::Option* o) { return !o->get_group().empty(); })) {
    if (!opt->nonpositional()) {
      node->positionals.push_back(opt->get_name(true));
      continue;
    }
    if (skip_help && parent != nullptr && opt == app.get_help_ptr()) {
      continue;
    }
    std::vector<std::string> names;
    for (const auto& s : opt->get_snames()) {
      names.push_back("-" + s);
    }
    for (const auto& l : opt->get_lnames()) {
      names.push_back("--" + l);
    }
    node->options.push_back(names);
  }
  const std::vector<const CLI::App*> subs =
      app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
  for (const CLI::App* sub : subs) {
    node->children.push_back(sub->get_name());
  }
  const CliNode* self = node.get();
  out.push_back(std::move(node));
  for (const CLI::App* sub : subs) {
    auto sub_path = self->path;
    sub_path.push_back(sub->get_name());
    walk_cli(*sub, sub_path, self, skip_help, out);
  }
}

inline std::vector<std::unique_ptr<CliNode>> cli_tree(bool skip_help) {
  cli::Globals g;
  const auto app = cli::make_app(g);
  std::vector<std::unique_ptr<CliNode>> nodes;
  walk_cli(*app, {}, nullptr, skip_help, nodes);
  return nodes;
}

// `word` occurs in `text` as a whole word: not inside a longer option or name
// ("-p" is not in "--prometheus-url", "--set" is not in "--settings").
inline bool has_word(const std::string& text, const std::string& word) {
  const auto part_of_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  };
  for (auto pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
    const bool starts = pos == 0 || !part_of_word(text[pos - 1]);
    const bool ends = pos + word.size() == text.size() || !part_of_word(text[pos + word.size()]);
    if (starts && ends) {
      return true;
    }
  }
  return false;
}

} // namespace graflow::testing
