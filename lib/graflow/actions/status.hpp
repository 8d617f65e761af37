#pragma once
// `graflowctl status`: the worker Deployment, its HPA (or "detached since ..."), the metric
// the HPA sees, the queue in Redis and the formula that links them.
#include "graflow/actions/services.hpp"
#include "graflow/config/profile.hpp"
#include "graflow/core/output.hpp"
#include "graflow/redis/store.hpp"

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>

namespace graflow::kube {
class Client;
}

namespace graflow::actions {

// Gathers everything into the documented JSON shape. Missing objects and an unreachable
// Redis (`connect_redis` or the read throwing an Error) are reported inside it (as an
// "error" field), not thrown; a depth that is unknown (a Cluster node down) is null, with the
// reason in "unknown".
nlohmann::ordered_json collect_status(kube::Client& client, const config::Profile& profile,
                                      const std::function<std::unique_ptr<redis::QueueStore>()>& connect_redis,
                                      std::chrono::system_clock::time_point now_for_layouts);

// Prints it ("detached since ... (5m ago)" counted from `now`); returns false when something
// is missing or unreachable (exit 1).
bool print_status(std::ostream& out, const nlohmann::ordered_json& status, Format format,
                  std::chrono::system_clock::time_point now);

// `graflowctl status`: collect and print; a failure Error when something is missing.
void run_status(Services& services, std::ostream& out);

} // namespace graflow::actions
