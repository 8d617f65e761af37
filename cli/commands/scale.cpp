// graflowctl scale --emergency N [--hold DURATION] [--wait [--timeout 5m]] | --reattach
#include "app.hpp"

#include "graflow/actions/scale.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/kube/client.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace graflow::cli {
namespace {

struct ScaleCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  long long emergency = -1;
  bool reattach = false;
  std::string hold;
  bool wait = false;
  std::string timeout = "5m";
  std::string backup_dir;
};

void run_scale(Globals& g, const ScaleCliOptions& o) {
  if ((o.emergency >= 0) == o.reattach) {
    throw usage_error("scale needs exactly one of --emergency N or --reattach");
  }
  if (o.reattach && (!o.hold.empty() || o.wait)) {
    throw usage_error("--hold and --wait go with --emergency, not --reattach");
  }
  const auto resolved = resolve_profile_for(g, o.profile, o.sets, "scale", "prod");
  actions::ScaleOptions s;
  s.backup_dir = o.backup_dir.empty() ? actions::default_backup_dir(graflow::ProcessEnv{}) : std::filesystem::path(o.backup_dir);
  if (!o.hold.empty()) {
    s.hold = parse_duration(o.hold, "--hold");
  }
  s.wait = o.wait;
  s.wait_options.timeout = parse_duration(o.timeout, "--timeout");
  s.wait_options.terminal = isatty(STDOUT_FILENO) != 0;
  auto client = g.kube_client();
  if (o.reattach) {
    actions::reattach(*client, resolved.profile, s, *g.out);
    return;
  }
  const SignalWatcher signals;
  actions::emergency_scale(*client, resolved.profile, o.emergency, s, signals, *g.out);
}

} // namespace

void setup_scale(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<ScaleCliOptions>();
  auto* cmd = app.add_subcommand("scale", "emergency scale: detach the HPA, scale, reattach — losslessly");
  cmd->add_option("-p,--profile", opts->profile, "profile naming the Deployment and HPA (default: prod, or defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--emergency", opts->emergency, "detach the HPA and scale the workers to N replicas")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--reattach", opts->reattach, "re-create the detached HPA from its snapshot");
  cmd->add_option("--hold", opts->hold, "after scaling, wait this long, then reattach (Ctrl-C reattaches at once)");
  cmd->add_flag("--wait", opts->wait, "wait until the scaled Deployment is available");
  cmd->add_option("--timeout", opts->timeout, "how long --wait waits");
  cmd->add_option("--backup-dir", opts->backup_dir, "where local HPA snapshots go (default $XDG_STATE_HOME/graflowctl/detached)");
  cmd->callback([&g, opts] { g.action = [&g, opts] { run_scale(g, *opts); }; });
}

} // namespace graflow::cli
