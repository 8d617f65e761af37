// graflowctl scale --emergency N [--hold DURATION] [--wait [--timeout 5m]] | --reattach
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/scale.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/printable.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <fmt/format.h>
#include <utility>

namespace graflow::cli {
namespace {

struct ScaleCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  std::string emergency; // parsed here: CLI11 would clamp or reword a too-large number
  bool emergency_given = false;
  bool reattach = false;
  std::string hold;
  bool wait = false;
  std::string timeout = "5m";
  std::string backup_dir;
};

// --emergency N: digits only, at most the API's int32 limit (never clamped).
long long parse_emergency(const std::string& text) {
  unsigned long long n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      n > static_cast<unsigned long long>(actions::k_max_replicas)) {
    throw usage_error(fmt::format("--emergency must be a whole number from 0 to {} (the API's limit), got \"{}\"",
                                  actions::k_max_replicas, printable(text, 40)));
  }
  return static_cast<long long>(n);
}

actions::ScaleOptions scale_options(const ScaleCliOptions& o, const Globals& g) {
  actions::ScaleOptions s;
  if (o.emergency_given) {
    s.emergency = parse_emergency(o.emergency);
  }
  // What finds this cluster and profile again, for the restore command.
  for (const auto& [flag, value] : {std::pair{"--config", g.config_file}, std::pair{"--kubeconfig", g.kubeconfig},
                                    std::pair{"--context", g.context}}) {
    if (!value.empty()) {
      s.global_args.insert(s.global_args.end(), {flag, value});
    }
  }
  if (!o.profile.empty()) {
    s.scale_args.insert(s.scale_args.end(), {"-p", o.profile});
  }
  for (const auto& set : o.sets) {
    s.scale_args.insert(s.scale_args.end(), {"--set", set});
  }
  if (!o.backup_dir.empty()) {
    s.scale_args.insert(s.scale_args.end(), {"--backup-dir", o.backup_dir});
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
  auto* emergency =
      cmd->add_option("--emergency", opts->emergency, "detach the HPA and scale the workers to N replicas")
          ->type_name("INT");
  cmd->add_flag("--reattach", opts->reattach, "re-create the detached HPA from its snapshot");
  cmd->add_option("--hold", opts->hold, "after scaling, wait this long, then reattach (Ctrl-C reattaches at once)");
  cmd->add_flag("--wait", opts->wait, "wait until the scaled Deployment is available");
  auto* timeout = cmd->add_option("--timeout", opts->timeout, "how long --wait waits");
  cmd->add_option("--backup-dir", opts->backup_dir, "where local HPA snapshots go (default $XDG_STATE_HOME/graflowctl/detached)");
  cmd->callback([&g, opts, emergency, timeout] {
    check_needs(timeout->count() > 0, "--timeout", opts->wait, "--wait");
    check_output(g.output, "scale", {"text"}, "what it does as text");
    opts->emergency_given = emergency->count() > 0;
    g.action = [&g, opts] {
      const auto s = scale_options(*opts, g);
      auto services = make_services(g, ProfileUse::required("scale", opts->profile, opts->sets, "prod"));
      actions::run_scale(s, services, *g.out);
    };
  });
}

} // namespace graflow::cli
