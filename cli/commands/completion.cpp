// graflowctl completion bash|zsh|fish, and the hidden `graflowctl __complete profiles|contexts`
// that the scripts call for names only known at completion time.
#include "app.hpp"
#include "usage.hpp"
#include "completion_gen.hpp"

#include "graflow/core/error.hpp"
#include "graflow/kube/kubeconfig.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

namespace graflow::cli {
namespace {

struct CompletionOptions {
  std::string shell;
  std::string what;
};

// The names the scripts offer. Errors print nothing (a broken config still completes the
// built-in profiles): a completion must never spill messages into the command line.
void print_names(const Globals& g, const std::string& what) {
  try {
    if (what == "profiles") {
      config::Config config = config::Config::builtin();
      try {
        config = g.load_config();
      } catch (const Error&) {
      }
      for (const auto& name : config.profile_names()) {
        *g.out << name << '\n';
      }
      return;
    }
    kube::LoadOptions load;
    load.kubeconfig = g.kubeconfig;
    for (const auto& [name, context] : kube::load_kubeconfig(kube::kubeconfig_paths(load)).contexts) {
      *g.out << name << '\n';
    }
  } catch (const std::exception&) {
  }
}

} // namespace

void setup_completion(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<CompletionOptions>();
  auto* cmd = app.add_subcommand("completion", "print the shell completion script for bash, zsh or fish");
  cmd->add_option("SHELL", opts->shell, "shell to complete for")
      ->required()
      ->check(one_of({"bash", "zsh", "fish"}));
  cmd->footer("bash: source <(graflowctl completion bash)\n"
              "zsh:  graflowctl completion zsh > \"${fpath[1]}/_graflowctl\"\n"
              "fish: graflowctl completion fish > ~/.config/fish/completions/graflowctl.fish\n");
  // Walked at run time: every command is in the tree by then.
  cmd->callback([&g, &app, opts] {
    check_output(g.output, "completion", {"text"}, "a shell script");
    g.action = [&g, &app, opts] { *g.out << completion_script(describe_cli(app), opts->shell); };
  });

  // group(""): hidden from --help and from the completion scripts themselves.
  auto* hidden = app.add_subcommand("__complete", "names for the completion scripts")->group("");
  hidden->add_option("WHAT", opts->what, "profiles or contexts")
      ->required()
      ->check(one_of({"profiles", "contexts"}));
  hidden->callback([&g, opts] { g.action = [&g, opts] { print_names(g, opts->what); }; });
}

} // namespace graflow::cli
