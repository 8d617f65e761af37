#pragma once
// `graflowctl adapter values|install`: the prometheus-adapter rule the seed never wrote,
// and its installation with helm.
#include "graflow/actions/services.hpp"
#include "graflow/helm/runner.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>

namespace graflow::actions {

struct AdapterOptions {
  std::string prometheus_url = "http://prometheus-server.monitoring.svc";
  int prometheus_port = 80;
  bool default_rules = false;
  std::string namespace_ = "monitoring";
  std::string release = "prometheus-adapter";
  std::string chart_version; // empty: the latest
  bool dry_run = false;
  std::string templates; // --templates DIR; empty: the installed ones
};

inline constexpr const char* k_adapter_repo_url = "https://prometheus-community.github.io/helm-charts";

// The helm values (YAML) for prometheus-community/prometheus-adapter. Throws a usage
// Error for a bad URL or port.
std::string adapter_values(const AdapterOptions& options, const std::filesystem::path& templates);

// Adds the chart repository when missing, then `helm upgrade --install ... --wait` with the
// values in a 0600 temporary file that is removed afterwards. With dry_run, prints the
// commands and the values and runs nothing. helm's output is streamed; a helm failure is
// a failure Error carrying helm's own message. The values file is made in `tmp_dir`.
void install_adapter(const AdapterOptions& options, const std::filesystem::path& templates, helm::Runner& runner,
                     const std::string& helm, const std::string& tmp_dir, std::ostream& out, std::ostream& err);

// `graflowctl adapter values`.
void run_adapter_values(const AdapterOptions& options, Services& services, std::ostream& out);

// `graflowctl adapter install`: helm from $HELM or PATH, run through services.runner.
void run_adapter_install(const AdapterOptions& options, Services& services, std::ostream& out);

} // namespace graflow::actions
