// graflowctl scale --emergency N [--hold DURATION] [--wait [--timeout 5m]] | --reattach
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/scale.hpp"
#include "graflow/core/duration.hpp"

#include <CLI/CLI.hpp>

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

actions::ScaleOptions scale_options(const ScaleCliOptions& o) {
  actions::ScaleOptions s;
  if (o.emergency >= 0) {
    s.emergency = o.emergency;
  }
  s.reattach = o.reattach;
  s.backup_dir = o.backup_dir;
  if (!o.hold.empty()) {
    s.hold = parse_duration(o.hold, "--hold");
  }
  s.wait = o.wait;
  s.wait_options.timeout = parse_duration(o.timeout, "--timeout");
  return s;
}

} // namespace

void setup_scale(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<ScaleCliOptions>();
  auto* cmd = app.add_subcommand("scale", "emergency scale: detach the HPA, scale, reattach — losslessly");
  cmd->add_option("-p,--profile", opts->profile, "profile naming the Deployment and HPA (default: prod, or defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--emergency", opts->emergency, "detach the HPA and scale the workers to N replicas")
      ->check(whole_number(0, 2147483647, "replicas is an int32 in the Kubernetes API"));
  cmd->add_flag("--reattach", opts->reattach, "re-create the detached HPA from its snapshot");
  cmd->add_option("--hold", opts->hold, "after scaling, wait this long, then reattach (Ctrl-C reattaches at once)");
  cmd->add_flag("--wait", opts->wait, "wait until the scaled Deployment is available");
  auto* timeout = cmd->add_option("--timeout", opts->timeout, "how long --wait waits");
  cmd->add_option("--backup-dir", opts->backup_dir, "where local HPA snapshots go (default $XDG_STATE_HOME/graflowctl/detached)");
  cmd->callback([&g, opts, timeout] {
    check_needs(timeout->count() > 0, "--timeout", opts->wait, "--wait");
    check_output(g.output, "scale", {"text"}, "what it does as text");
    g.action = [&g, opts] {
      const auto s = scale_options(*opts);
      auto services = make_services(g, ProfileUse::required("scale", opts->profile, opts->sets, "prod"));
      actions::run_scale(s, services, *g.out);
    };
  });
}

} // namespace graflow::cli
