// `graflowctl completion` and `graflowctl __complete`, run in-process: the scripts cover
// every command and option of the tree, the committed ones in completions/ are what the
// binary prints (GRAFLOW_UPDATE_GOLDEN=1 rewrites them), and the hidden name lists.
// The scripts are exercised in real shells by tests/integration/completion_*_test.sh.
#include "cli_runner.hpp"
#include "cli_tree.hpp"
#include "harness.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <sstream>

using graflow::testing::check_golden;
using graflow::testing::cli_tree;
using graflow::testing::CliNode;
using graflow::testing::has_word;
using graflow::testing::run_cli;

namespace {

const std::string k_completions_dir = std::string(GRAFLOW_SOURCE_DIR) + "/completions";

std::string script(const std::string& shell) {
  const auto r = run_cli({"completion", shell});
  REQUIRE(r.code == 0);
  REQUIRE(r.err.empty());
  return r.out;
}

// The text between `begin` and the next `end` (both exclusive); empty when absent.
std::string between(const std::string& text, const std::string& begin, const std::string& end) {
  const auto from = text.find(begin);
  if (from == std::string::npos) {
    return {};
  }
  const auto start = from + begin.size();
  return text.substr(start, text.find(end, start) - start);
}

std::string zsh_function(const CliNode& node) {
  std::string name = "_graflowctl_cmd";
  for (const auto& p : node.path) {
    name += '_';
    for (const char c : p) {
      name += c == '-' ? '_' : c;
    }
  }
  return name;
}

// The condition of a fish `complete` line admits the command path `path`.
bool fish_admits(const std::string& line, const std::string& path) {
  const std::string cond = between(line, " -n '", "'");
  const std::string quoted = "\"" + path + "\"";
  if (cond.empty()) {
    return true;
  }
  if (cond.rfind("not __graflowctl_at ", 0) == 0) {
    return cond.find(quoted) == std::string::npos;
  }
  return cond.rfind("__graflowctl_at ", 0) == 0 && cond.find(quoted) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

} // namespace

TEST_CASE("completion scripts equal the committed files in completions/") {
  check_golden(k_completions_dir, "graflowctl.bash", script("bash"));
  check_golden(k_completions_dir, "_graflowctl", script("zsh"));
  check_golden(k_completions_dir, "graflowctl.fish", script("fish"));
}

TEST_CASE("the bash script completes every command and option of the tree") {
  const std::string bash = script("bash");
  for (const auto& node : cli_tree(false)) {
    CAPTURE(node->path_string());
    // _graflowctl_spec: one case per command path, with cmds, flags, opts and args.
    const std::string spec = between(bash, "    '" + node->path_string() + "')\n", " ;;\n");
    REQUIRE_MESSAGE(!spec.empty(), "no case for '" << node->path_string() << "' in _graflowctl_spec");
    const std::string cmds = between(spec, "cmds='", "'");
    const std::string options = between(spec, "flags='", "'") + " " + between(spec, "opts='", "'");
    for (const auto& child : node->children) {
      CHECK_MESSAGE(has_word(cmds, child), "subcommand " << child << " missing");
    }
    for (const auto& name : node->valid_option_names()) {
      CHECK_MESSAGE(has_word(options, name), "option " << name << " missing");
    }
  }
  CHECK_FALSE(has_word(between(bash, "    '')\n", " ;;\n"), "__complete"));
}

TEST_CASE("the zsh script completes every command and option of the tree") {
  const std::string zsh = script("zsh");
  for (const auto& node : cli_tree(false)) {
    CAPTURE(node->path_string());
    const std::string body = between(zsh, "\n" + zsh_function(*node) + "() {\n", "\n}\n");
    REQUIRE_MESSAGE(!body.empty(), "no function " << zsh_function(*node));
    for (const auto& child : node->children) {
      CHECK_MESSAGE(body.find("'" + child + ":") != std::string::npos, "subcommand " << child << " not described");
      CHECK_MESSAGE(body.find(" " + child + ") ") != std::string::npos, "subcommand " << child << " not dispatched");
    }
    for (const auto& name : node->valid_option_names()) {
      CHECK_MESSAGE(has_word(body, name), "option " << name << " missing");
    }
  }
  CHECK(zsh.find("'__complete:") == std::string::npos);
}

TEST_CASE("the fish script completes every command and option of the tree") {
  std::vector<std::string> rules;
  for (const auto& line : lines_of(script("fish"))) {
    if (line.rfind("complete -c graflowctl ", 0) == 0) {
      rules.push_back(line + " ");
    }
  }
  for (const auto& node : cli_tree(false)) {
    const std::string path = node->path_string();
    CAPTURE(path);
    for (const auto& child : node->children) {
      const bool offered = std::any_of(rules.begin(), rules.end(), [&](const std::string& r) {
        return r.find(" -a " + child + " ") != std::string::npos && fish_admits(r, path);
      });
      CHECK_MESSAGE(offered, "subcommand " << child << " missing");
    }
    for (const auto& name : node->valid_option_names()) {
      const std::string flag = name.rfind("--", 0) == 0 ? " -l " + name.substr(2) + " " : " -s " + name.substr(1) + " ";
      const bool offered = std::any_of(rules.begin(), rules.end(), [&](const std::string& r) {
        return r.find(flag) != std::string::npos && fish_admits(r, path);
      });
      CHECK_MESSAGE(offered, "option " << name << " missing");
    }
  }
  CHECK(std::none_of(rules.begin(), rules.end(),
                     [](const std::string& r) { return r.find(" -a __complete ") != std::string::npos; }));
}

TEST_CASE("option values: output formats, shells, profiles and contexts") {
  const std::string bash = script("bash");
  CHECK(bash.find("-o|--output) _graflowctl_complete words text json yaml ;;") != std::string::npos);
  CHECK(bash.find("-p|--profile) _graflowctl_complete profiles ;;") != std::string::npos);
  CHECK(bash.find("--context) _graflowctl_complete contexts ;;") != std::string::npos);
  CHECK(between(bash, "    'completion')\n", " ;;\n").find("args='words bash zsh fish'") != std::string::npos);
  const std::string zsh = script("zsh");
  CHECK(zsh.find("'[output format]:output:(text json yaml)'") != std::string::npos);
  CHECK(zsh.find("'1:shell:(bash zsh fish)'") != std::string::npos);
  CHECK(zsh.find("'--context=[kubeconfig context to use]:context:_graflowctl_contexts'") != std::string::npos);
  const std::string fish = script("fish");
  CHECK(fish.find("-s o -l output -x -a 'text json yaml'") != std::string::npos);
  CHECK(fish.find("-l context -x -a '(__graflowctl_dynamic contexts)'") != std::string::npos);
}

TEST_CASE("completion of an unknown shell is a usage error") {
  const auto r = run_cli({"completion", "tcsh"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "graflowctl: error: SHELL: \"tcsh\" is not one of bash, zsh or fish; did you mean \"bash\"? (see 'graflowctl "
                 "completion --help')\n");
  CHECK(run_cli({"completion"}).code == 2);
}

TEST_CASE("__complete is hidden from the help") {
  const auto r = run_cli({"--help"});
  CHECK(r.code == 0);
  CHECK(r.out.find("completion") != std::string::npos);
  CHECK(r.out.find("__complete") == std::string::npos);
}

TEST_CASE("__complete profiles: built-in and configured names, never an error") {
  const auto configured = run_cli({"--config", std::string(TEST_DATA_DIR) + "/custom.yaml", "__complete", "profiles"});
  CHECK(configured.code == 0);
  CHECK(configured.out == "dev\nprod\nstaging\n");
  CHECK(configured.err.empty());

  // --config after the command, as the scripts may pass it.
  CHECK(run_cli({"__complete", "profiles", "--config", std::string(TEST_DATA_DIR) + "/custom.yaml"}).out ==
        "dev\nprod\nstaging\n");

  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "bad.yaml", "profiles: [not, a, map\n");
  for (const auto& config : {(dir / "bad.yaml").string(), (dir / "missing.yaml").string()}) {
    CAPTURE(config);
    const auto r = run_cli({"--config", config, "__complete", "profiles"});
    CHECK(r.code == 0);
    CHECK(r.out == "dev\nprod\n");
    CHECK(r.err.empty());
  }
}

TEST_CASE("__complete contexts: the kubeconfig's context names, nothing on errors") {
  graflow::testing::TempDir dir;
  const auto a = (dir / "a.yaml").string();
  const auto b = (dir / "b.yaml").string();
  graflow::testing::write_text(a, R"(apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts:
- {name: kind-graflow, context: {cluster: c, user: u}}
- {name: "arn:aws:eks:eu-west-1:123456789012:cluster/prod", context: {cluster: c, user: u}}
current-context: kind-graflow
)");
  graflow::testing::write_text(
      b, "apiVersion: v1\nkind: Config\ncontexts:\n- {name: staging, context: {cluster: c, user: u}}\n");

  const auto r = run_cli({"--kubeconfig", a + ":" + b, "__complete", "contexts"});
  CHECK(r.code == 0);
  CHECK(r.out == "arn:aws:eks:eu-west-1:123456789012:cluster/prod\nkind-graflow\nstaging\n");
  CHECK(r.err.empty());

  graflow::testing::write_text(dir / "broken.yaml", "contexts: {\n");
  for (const auto& file : {(dir / "missing.yaml").string(), (dir / "broken.yaml").string()}) {
    CAPTURE(file);
    const auto bad = run_cli({"--kubeconfig", file, "__complete", "contexts"});
    CHECK(bad.code == 0);
    CHECK(bad.out.empty());
    CHECK(bad.err.empty());
  }
}
