// graflowctl adapter values | install [--prometheus-url U] [--prometheus-port N] ...
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/adapter.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct AdapterCliOptions {
  actions::AdapterOptions adapter;
};

void add_prometheus_flags(CLI::App* cmd, AdapterCliOptions& o) {
  cmd->add_option("--prometheus-url", o.adapter.prometheus_url, "Prometheus URL as the adapter reaches it");
  cmd->add_option("--prometheus-port", o.adapter.prometheus_port, "Prometheus port")
      ->check(whole_number(1, 65535, "a TCP port"));
  cmd->add_flag("--default-rules", o.adapter.default_rules, "keep the chart's default resource and custom rules");
  cmd->add_option("--templates", o.adapter.templates, "use the templates in DIR");
}

} // namespace

void setup_adapter(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<AdapterCliOptions>();
  auto* cmd = app.add_subcommand("adapter", "prometheus-adapter: helm values and installation");
  cmd->require_subcommand(1);

  auto* values = cmd->add_subcommand("values", "print helm values with the graflow_queue_depth external rule");
  add_prometheus_flags(values, *opts);
  values->callback([&g, opts] {
    check_output(g.output, "adapter values", {"text", "yaml"}, "helm values (YAML)");
    g.action = [&g, opts] {
      auto services = make_services(g, ProfileUse::none());
      actions::run_adapter_values(opts->adapter, services, *g.out);
    };
  });

  auto* install = cmd->add_subcommand("install", "install or upgrade prometheus-adapter with helm");
  add_prometheus_flags(install, *opts);
  install->add_option("--namespace", opts->adapter.namespace_, "namespace of the adapter release")
      ->check(dns_label_value());
  install->add_option("--release", opts->adapter.release, "helm release name")->check(dns_label_value());
  install->add_option("--chart-version", opts->adapter.chart_version, "chart version (default: latest)");
  install->add_flag("--dry-run", opts->adapter.dry_run, "print the helm commands and values, run nothing");
  install->callback([&g, opts] {
    check_output(g.output, "adapter install", {"text"}, "what it runs as text");
    g.action = [&g, opts] {
      auto services = make_services(g, ProfileUse::none());
      actions::run_adapter_install(opts->adapter, services, *g.out);
    };
  });
}

} // namespace graflow::cli
