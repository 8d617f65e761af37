#pragma once
// Services: every external system an action touches, built once in cli/ (cli/services.cpp)
// from flags, config and environment, and from fakes in tests (tests/support/cmd_harness.hpp).
// As helm's action.Configuration: actions never reach for the environment, the wall clock, a
// kubeconfig or a socket on their own.
#include "graflow/config/config.hpp"
#include "graflow/core/clock.hpp"
#include "graflow/core/env.hpp"
#include "graflow/core/output.hpp"
#include "graflow/helm/runner.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/redis/store.hpp"
#include "graflow/redis/url.hpp"

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graflow::actions {

// Makes the Kubernetes client (kubeconfig or in-cluster config resolved on the first call);
// throws a usage Error for a bad kubeconfig.
using KubeFactory = std::function<std::unique_ptr<kube::Client>()>;
// Connects to Redis; throws a failure Error naming the endpoint when it cannot. A readable
// `cancel_fd` (a SignalWatcher's, or -1) ends any wait of the connection at once.
using RedisConnector =
    std::function<std::unique_ptr<redis::QueueStore>(const redis::Address&, std::chrono::milliseconds, int cancel_fd)>;

// What the process provides: the real ones in the binary (cli::process_platform()), fakes in
// tests. Services is built from it and the parsed flags.
struct Platform {
  const Env* env = nullptr;
  Clock* clock = nullptr;
  kube::HttpFactory http;     // HTTPS to the API server, Prometheus
  helm::Runner* runner = nullptr;
  RedisConnector redis;
  bool terminal = false;      // stdout is a terminal: redraw progress lines in place
};

// The inputs every command resolves the same way (actions/resolve.hpp).
struct Resolved {
  std::optional<config::ResolvedProfile> profile; // when the command uses one
  redis::Address redis;                           // where Redis is
  std::string redis_source;                       // which flag or variable named it
  std::chrono::milliseconds redis_timeout{2000};
  std::string key_prefix_flag;                    // the global --key-prefix, for key_prefixes()
  std::vector<std::string> queue_flags;           // the global --queue values, for queue_specs()
  Format format = Format::text;
  bool color = false;
};

struct Services {
  const Env& env;
  Clock& clock;
  std::ostream& err; // the log sink: warnings, streamed tool output (stderr in the binary)
  KubeFactory kube;
  kube::HttpFactory http;
  helm::Runner& runner;
  RedisConnector redis;
  bool terminal = false;
  Resolved resolved;

  // The resolved profile; a usage Error when the command was built without one.
  [[nodiscard]] const config::Profile& profile() const;
  // A connection to the resolved Redis address.
  [[nodiscard]] std::unique_ptr<redis::QueueStore> connect_redis(int cancel_fd = -1) const;
};

} // namespace graflow::actions
