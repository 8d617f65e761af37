// graflowctl deploy --profile NAME [--set k=v]... [--dry-run] [--wait [--timeout 5m]] [--force-conflicts]
#include "app.hpp"

#include "graflow/actions/deploy.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/kube/client.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace graflow::cli {
namespace {

struct DeployCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  std::string templates;
  bool dry_run = false;
  bool wait = false;
  std::string timeout = "5m";
  bool force_conflicts = false;
};

} // namespace

void setup_deploy(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DeployCliOptions>();
  auto* cmd = app.add_subcommand("deploy", "server-side apply of a profile's objects (fieldManager graflowctl)");
  cmd->add_option("-p,--profile", opts->profile, "profile to deploy (default: the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--templates", opts->templates, "use the templates in DIR");
  cmd->add_flag("--dry-run", opts->dry_run, "let the server validate everything and persist nothing (dryRun=All)");
  cmd->add_flag("--wait", opts->wait, "wait until the Deployments are available");
  cmd->add_option("--timeout", opts->timeout, "how long --wait waits");
  cmd->add_flag("--force-conflicts", opts->force_conflicts, "take over fields other field managers own");
  cmd->callback([&g, opts] {
    g.action = [&g, opts] {
      const auto resolved = resolve_profile_for(g, opts->profile, opts->sets, "deploy");
      const auto manifests = render::render_manifests(render::find_templates(opts->templates), resolved.profile);
      actions::DeployOptions d;
      d.dry_run = opts->dry_run;
      d.force_conflicts = opts->force_conflicts;
      d.wait = opts->wait;
      d.wait_options.timeout = parse_duration(opts->timeout, "--timeout");
      d.wait_options.terminal = isatty(STDOUT_FILENO) != 0;
      const SignalWatcher signals;
      auto client = g.kube_client();
      actions::deploy(*client, resolved.profile, manifests, d, signals, *g.out);
    };
  });
}

} // namespace graflow::cli
