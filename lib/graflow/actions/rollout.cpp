#include "graflow/actions/rollout.hpp"

#include "graflow/core/clock.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/kube/client.hpp"

#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {

std::string rollout_pending(const nlohmann::json& d) {
  const auto& spec = d.value("spec", nlohmann::json::object());
  const auto& status = d.value("status", nlohmann::json::object());
  const long long generation = d.value("metadata", nlohmann::json::object()).value("generation", 0LL);
  const long long observed = status.value("observedGeneration", 0LL);
  const long long want = spec.value("replicas", 1LL);
  const long long updated = status.value("updatedReplicas", 0LL);
  const long long replicas = status.value("replicas", 0LL);
  const long long available = status.value("availableReplicas", 0LL);
  if (observed < generation) {
    return "Waiting for the deployment spec update to be observed";
  }
  if (updated < want) {
    return fmt::format("Waiting for rollout: {} of {} new replicas have been updated", updated, want);
  }
  if (replicas > updated) {
    return fmt::format("Waiting for rollout: {} old replicas are pending termination", replicas - updated);
  }
  if (available < updated) {
    return fmt::format("Waiting for rollout: {} of {} updated replicas are available", available, updated);
  }
  return "";
}

void wait_for_deployments(kube::Client& client, const std::vector<std::pair<std::string, std::string>>& deployments,
                          const WaitOptions& options, Clock& clock, const SignalWatcher& signals, std::ostream& out) {
  const auto deadline = clock.steady() + options.timeout;
  for (const auto& [ns, name] : deployments) {
    const std::string path = kube::resource_path("apps/v1", "deployments", ns, name);
    std::string last;
    while (true) {
      const auto d = client.get(path);
      if (!d) {
        throw failure(fmt::format("deployment.apps/{} in namespace {} disappeared while waiting", name, ns));
      }
      const std::string pending = rollout_pending(*d);
      const std::string line =
          pending.empty() ? fmt::format("deployment.apps/{} is available", name) : fmt::format("deployment.apps/{}: {}", name, pending);
      if (options.terminal) {
        out << "\r\033[K" << line << (pending.empty() ? "\n" : "") << std::flush;
      } else if (line != last) {
        out << line << '\n' << std::flush;
      }
      last = line;
      if (pending.empty()) {
        break;
      }
      if (clock.steady() >= deadline) {
        if (options.terminal) {
          out << '\n';
        }
        throw failure(fmt::format("timed out after {} waiting for deployment.apps/{}: {}",
                                  format_duration(options.timeout), name, pending));
      }
      if (signals.received() == 0) {
        clock.sleep(options.poll);
      }
      if (signals.received() != 0) {
        if (options.terminal) {
          out << '\n';
        }
        throw interrupted(fmt::format("interrupted while waiting for deployment.apps/{}", name));
      }
    }
  }
}

} // namespace graflow::actions
