// graflowctl doctor [--profile NAME] [--prometheus-url URL | --prometheus-service NS/NAME:PORT]
#include "app.hpp"

#include "graflow/actions/doctor.hpp"
#include "graflow/core/error.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/net/module.hpp"
#include "graflow/redis/url.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct DoctorCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  actions::DoctorOptions doctor;
};

void run_doctor(Globals& g, const DoctorCliOptions& o) {
  const auto resolved = resolve_profile_for(g, o.profile, o.sets, "doctor", "prod");
  const redis::Address address = g.redis_address(resolved.profile.redis_url.value_or(""));
  const auto timeout = g.redis_timeout_ms();
  auto client = g.kube_client();
  actions::DoctorInputs in;
  in.client = client.get();
  in.redis_endpoint = address.endpoint();
  in.connect_redis = [&] { return std::make_unique<redis::Connection>(address, timeout); };
  in.http = [] { return net::api().make_client(net::ClientOptions{}); };
  const auto checks = actions::run_doctor(resolved.profile, o.doctor, in);
  if (!actions::print_checks(*g.out, checks, g.format(), g.color())) {
    throw failure("some checks failed");
  }
}

} // namespace

void setup_doctor(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DoctorCliOptions>();
  auto* cmd = app.add_subcommand("doctor", "check every link of the pipeline, with a hint for each failure");
  cmd->add_option("-p,--profile", opts->profile, "profile (default: prod, or the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--prometheus-url", opts->doctor.prometheus_url, "query Prometheus directly at this URL");
  cmd->add_option("--prometheus-service", opts->doctor.prometheus_service,
                  "else query it through the API server's service proxy: NAMESPACE/NAME:PORT");
  cmd->callback([&g, opts] { g.action = [&g, opts] { run_doctor(g, *opts); }; });
}

} // namespace graflow::cli
