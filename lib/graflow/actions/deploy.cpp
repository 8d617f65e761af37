#include "graflow/actions/deploy.hpp"

#include "graflow/actions/render.hpp"
#include "graflow/actions/scale.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/render/render.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {
namespace {

// kubectl's name for an object: deployment.apps/x, service/x.
std::string display_name(const render::Manifest& m) {
  std::string kind = m.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto slash = m.api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : m.api_version.substr(0, slash);
  return kind + (group.empty() ? "" : "." + group) + "/" + m.name;
}

} // namespace

void run_deploy(const DeployOptions& options, Services& services, std::ostream& out) {
  const config::Profile& profile = services.profile();
  check_no_password(*services.resolved.profile);
  const auto manifests = render::render_manifests(render::find_templates(options.templates, services.env), profile);
  auto client_ptr = services.kube();
  kube::Client& client = *client_ptr;
  const std::string& default_ns = client.namespace_();
  const std::string worker_ns = profile.namespace_.value_or(default_ns);
  std::optional<Detached> detached;
  if (auto worker = client.get(kube::resource_path("apps/v1", "deployments", worker_ns, profile.worker.deployment))) {
    detached = detached_state(*worker);
  }
  const char* suffix = options.dry_run ? " (server dry run)" : "";
  std::vector<std::pair<std::string, std::string>> deployments;
  for (const auto& m : manifests) {
    const nlohmann::json ref = {{"apiVersion", m.api_version},
                                {"kind", m.kind},
                                {"metadata", {{"name", m.name}, {"namespace", m.namespace_}}}};
    if (detached && m.kind == "HorizontalPodAutoscaler" && m.name == profile.worker.hpa) {
      out << fmt::format("{} skipped: detached by an emergency scale since {} (graflowctl scale --reattach "
                         "restores it)\n",
                         display_name(m), detached->since);
      continue;
    }
    const auto result = client.apply(kube::object_path(ref, default_ns), m.text, "graflowctl", options.force_conflicts,
                                     options.dry_run);
    out << fmt::format("{} {}{}\n", display_name(m), kube::to_string(result.outcome), suffix) << std::flush;
    if (m.kind == "Deployment") {
      deployments.emplace_back(m.namespace_.empty() ? default_ns : m.namespace_, m.name);
    }
  }
  if (options.wait && !options.dry_run) {
    const SignalWatcher signals;
    WaitOptions w = options.wait_options;
    w.terminal = services.terminal;
    wait_for_deployments(client, deployments, w, services.clock, signals, out);
  }
}

} // namespace graflow::actions
