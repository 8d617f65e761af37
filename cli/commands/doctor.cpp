// graflowctl doctor [--profile NAME] [--prometheus-url URL | --prometheus-service NS/NAME:PORT]
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/doctor.hpp"

#include "graflow/core/error.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct DoctorCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  actions::DoctorOptions doctor;
};

} // namespace

void setup_doctor(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DoctorCliOptions>();
  auto* cmd = app.add_subcommand("doctor", "check every link of the pipeline, with a hint for each failure");
  cmd->add_option("-p,--profile", opts->profile, "profile (default: prod, or the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--prometheus-url", opts->doctor.prometheus_url, "query Prometheus directly at this URL");
  auto* service = cmd->add_option("--prometheus-service", opts->doctor.prometheus_service,
                  "else query it through the API server's service proxy: NAMESPACE/NAME:PORT");
  cmd->callback([&g, opts, service] {
    // prometheus_service has a default: only a --prometheus-service the user gave conflicts.
    if (!opts->doctor.prometheus_url.empty() && service->count() > 0) {
      throw usage_error("give --prometheus-url or --prometheus-service, not both");
    }
    g.action = [&g, opts] {
      auto services =
          make_services(g, ProfileUse::required("doctor", opts->profile, opts->sets, "prod", true));
      actions::run_doctor(opts->doctor, services, *g.out);
    };
  });
}

} // namespace graflow::cli
