// graflowctl deploy --profile NAME [--set k=v]... [--dry-run] [--wait [--timeout 5m]] [--force-conflicts]
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/deploy.hpp"
#include "graflow/core/duration.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct DeployCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  std::string timeout = "5m";
  actions::DeployOptions deploy;
};

} // namespace

void setup_deploy(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DeployCliOptions>();
  auto* cmd = app.add_subcommand("deploy", "server-side apply of a profile's objects (fieldManager graflowctl)");
  cmd->add_option("-p,--profile", opts->profile, "profile to deploy (default: the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--templates", opts->deploy.templates, "use the templates in DIR");
  cmd->add_flag("--dry-run", opts->deploy.dry_run, "let the server validate everything and persist nothing (dryRun=All)");
  cmd->add_flag("--wait", opts->deploy.wait, "wait until the Deployments are available");
  auto* timeout = cmd->add_option("--timeout", opts->timeout, "how long --wait waits");
  cmd->add_flag("--force-conflicts", opts->deploy.force_conflicts, "take over fields other field managers own");
  cmd->callback([&g, opts, timeout] {
    check_needs(timeout->count() > 0, "--timeout", opts->deploy.wait, "--wait");
    check_output(g.output, "deploy", {"text"}, "what it applied as text");
    g.action = [&g, opts] {
      auto services = make_services(g, ProfileUse::required("deploy", opts->profile, opts->sets));
      actions::DeployOptions d = opts->deploy;
      d.wait_options.timeout = parse_duration(opts->timeout, "--timeout");
      actions::run_deploy(d, services, *g.out);
    };
  });
}

} // namespace graflow::cli
