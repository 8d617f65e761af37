#pragma once
// `graflowctl status`: the worker Deployment, its HPA (or "detached since ..."), the metric
// the HPA sees, the queue in Redis and the formula that links them.
#include "graflow/config/profile.hpp"
#include "graflow/core/output.hpp"
#include "graflow/redis/store.hpp"

#include <iosfwd>
#include <nlohmann/json.hpp>

namespace graflow::kube {
class Client;
}

namespace graflow::actions {

// Gathers everything into the documented JSON shape. Missing objects and an unreachable
// Redis are reported inside it (as null / an "error" field), not thrown.
nlohmann::ordered_json collect_status(kube::Client& client, const config::Profile& profile, redis::QueueStore* store,
                                      const std::string& redis_error);

// Prints it; returns false when something is missing or unreachable (exit 1).
bool print_status(std::ostream& out, const nlohmann::ordered_json& status, Format format);

} // namespace graflow::actions
