// man/graflowctl.1: documents every command and option of the command line (walked
// in-process), has the sections a man page needs, and mandoc finds nothing to warn about.
#include "cli_tree.hpp"
#include "harness.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <doctest/doctest.h>
#include <map>
#include <sstream>
#include <sys/wait.h>

using graflow::testing::cli_tree;
using graflow::testing::has_word;

namespace {

const std::string k_man_page = std::string(GRAFLOW_SOURCE_DIR) + "/man/graflowctl.1";

// roff source as text: font changes dropped, escaped characters as themselves.
std::string plain(std::string line) {
  static const std::array<std::pair<std::string, std::string>, 9> escapes = {{
      {"\\fB", ""},
      {"\\fI", ""},
      {"\\fR", ""},
      {"\\fP", ""},
      {"\\-", "-"},
      {"\\(aq", "'"},
      {"\\(em", "--"},
      {"\\&", ""},
      {"\\c", ""},
  }};
  for (const auto& [from, to] : escapes) {
    for (auto pos = line.find(from); pos != std::string::npos; pos = line.find(from, pos + to.size())) {
      line.replace(pos, from.size(), to);
    }
  }
  return line;
}

struct ManPage {
  std::string title;                                            // the .TH line
  std::map<std::string, std::string> sections;                  // .SH NAME -> its text
  std::vector<std::pair<std::string, std::string>> subsections; // .SS heading, its text
};

ManPage parse_man(const std::string& source) {
  ManPage page;
  std::istringstream in(source);
  std::string* current = nullptr;
  for (std::string line; std::getline(in, line);) {
    line = plain(line);
    if (line.rfind(".TH ", 0) == 0) {
      page.title = line;
    } else if (line.rfind(".SH ", 0) == 0) {
      current = &page.sections[line.substr(4)];
    } else if (line.rfind(".SS ", 0) == 0) {
      page.subsections.emplace_back(line.substr(4), "");
      current = &page.subsections.back().second;
    } else if (current != nullptr) {
      *current += line + '\n';
    }
  }
  return page;
}

} // namespace

TEST_CASE("the man page documents every command and option") {
  const ManPage page = parse_man(graflow::testing::read_text(k_man_page));
  REQUIRE(page.sections.count("GLOBAL OPTIONS") == 1);
  for (const auto& node : cli_tree(true)) {
    const std::string path = node->path_string();
    CAPTURE(path);
    if (node->path.empty()) {
      for (const auto& names : node->options) {
        for (const auto& name : names) {
          CHECK_MESSAGE(has_word(page.sections.at("GLOBAL OPTIONS"), name), name << " not under GLOBAL OPTIONS");
        }
      }
      continue;
    }
    // A subsection "graflowctl PATH [ARGS]" documents the command and its own options;
    // a command with subcommands only may be documented by theirs.
    const std::string heading = "graflowctl " + path;
    const auto is_child_heading = [&](const std::string& h) {
      return std::any_of(node->children.begin(), node->children.end(), [&](const std::string& child) {
        return has_word(h, child) && h.rfind(heading + " ", 0) == 0;
      });
    };
    const auto own = std::find_if(page.subsections.begin(), page.subsections.end(), [&](const auto& s) {
      const bool with_arguments = s.first.rfind(heading + " ", 0) == 0 && !is_child_heading(s.first);
      return s.first == heading || with_arguments;
    });
    if (own == page.subsections.end()) {
      CHECK_MESSAGE(node->options.empty(), "no subsection '" << heading << "' for its options");
      const bool in_a_heading = std::any_of(page.subsections.begin(), page.subsections.end(),
                                            [&](const auto& s) { return s.first.rfind(heading + " ", 0) == 0; });
      CHECK_MESSAGE(in_a_heading, "command '" << path << "' is not documented");
      continue;
    }
    for (const auto& positional : node->positionals) {
      CHECK_MESSAGE(has_word(own->first, positional), positional << " missing from the heading");
    }
    for (const auto& names : node->options) {
      for (const auto& name : names) {
        CHECK_MESSAGE(has_word(own->second, name), name << " not documented under '" << own->first << "'");
      }
    }
  }
}

TEST_CASE("the man page has the usual sections, exit codes, environment and version") {
  const ManPage page = parse_man(graflow::testing::read_text(k_man_page));
  for (const char* name : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS", "EXIT STATUS",
                           "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"}) {
    CHECK_MESSAGE(page.sections.count(name) == 1, "no section " << name);
  }
  CHECK(page.title.find("graflowctl " GRAFLOW_VERSION) != std::string::npos);
  for (const char* code : {".B 0\n", ".B 1\n", ".B 2\n", ".B 130\n"}) {
    CHECK_MESSAGE(page.sections.at("EXIT STATUS").find(code) != std::string::npos, "exit status " << code);
  }
  for (const char* env :
       {"GRAFLOW_CONFIG", "GRAFLOW_REDIS_URL", "REDIS_HOST", "KEY_PREFIX", "KUBECONFIG", "XDG_CONFIG_HOME",
        "XDG_STATE_HOME", "XDG_CACHE_HOME", "NO_COLOR", "HELM", "GRAFLOW_TEMPLATES"}) {
    CHECK_MESSAGE(page.sections.at("ENVIRONMENT").find(std::string(".B ") + env + "\n") != std::string::npos,
                  env << " not in ENVIRONMENT");
  }
  CHECK(page.sections.at("SEE ALSO").find("kubectl") != std::string::npos);
  CHECK(page.sections.at("SEE ALSO").find("helm") != std::string::npos);
}

TEST_CASE("mandoc finds nothing to warn about") {
  const std::string command = "mandoc -T lint -W warning '" + k_man_page + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  for (std::size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  INFO("mandoc (scripts/install-deps.sh --test installs it) said:\n" << output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(output.empty());
}
