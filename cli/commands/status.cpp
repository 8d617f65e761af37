// graflowctl status [--profile NAME]
#include "app.hpp"

#include "graflow/actions/status.hpp"
#include "graflow/core/error.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/redis/url.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct StatusOptions {
  std::string profile;
  std::vector<std::string> sets;
};

void run_status(Globals& g, const StatusOptions& o) {
  const auto resolved = resolve_profile_for(g, o.profile, o.sets, "status", "prod");
  const redis::Address address = g.redis_address(resolved.profile.redis_url.value_or(""));
  auto client = g.kube_client();
  std::unique_ptr<redis::Connection> store;
  std::string redis_error;
  try {
    store = std::make_unique<redis::Connection>(address, g.redis_timeout_ms());
  } catch (const Error& e) {
    redis_error = e.what();
  }
  const auto status = actions::collect_status(*client, resolved.profile, store.get(), redis_error);
  if (!actions::print_status(*g.out, status, g.format())) {
    throw failure("some parts of the pipeline are missing or unreachable (see above)");
  }
}

} // namespace

void setup_status(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand("status", "workers, HPA (or detached since ...), metric, queue and the formula");
  cmd->add_option("-p,--profile", opts->profile, "profile (default: prod, or the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->callback([&g, opts] { g.action = [&g, opts] { run_status(g, *opts); }; });
}

} // namespace graflow::cli
