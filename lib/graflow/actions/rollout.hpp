#pragma once
// Following Deployments until they are available, as `kubectl rollout status` does.
#include <chrono>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace graflow {
class Clock;
class SignalWatcher;
}
namespace graflow::kube {
class Client;
}

namespace graflow::actions {

// What is still missing before a Deployment object is available; empty when it is.
// ("Waiting for rollout: 1 of 3 updated replicas are available")
std::string rollout_pending(const nlohmann::json& deployment);

struct WaitOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds poll{std::chrono::milliseconds(500)};
  bool terminal = false; // one progress line rewritten in place; else a line per change
};

// Polls each Deployment (namespace, name) until available, every `poll` of `clock` (so a
// fake clock makes waiting instant). Throws a failure Error on timeout naming the
// Deployment and what it waits for, an `interrupted` Error on a signal (seen within a poll).
void wait_for_deployments(kube::Client& client, const std::vector<std::pair<std::string, std::string>>& deployments,
                          const WaitOptions& options, Clock& clock, const SignalWatcher& signals, std::ostream& out);

} // namespace graflow::actions
