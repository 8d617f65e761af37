// graflowctl status [--profile NAME]
#include "app.hpp"

#include "graflow/actions/status.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct StatusCliOptions {
  std::string profile;
  std::vector<std::string> sets;
};

} // namespace

void setup_status(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<StatusCliOptions>();
  auto* cmd = app.add_subcommand("status", "workers, HPA (or detached since ...), metric, queue and the formula");
  cmd->add_option("-p,--profile", opts->profile, "profile (default: prod, or the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->callback([&g, opts] {
    g.action = [&g, opts] {
      auto services =
          make_services(g, ProfileUse::required("status", opts->profile, opts->sets, "prod", true));
      actions::run_status(services, *g.out);
    };
  });
}

} // namespace graflow::cli
