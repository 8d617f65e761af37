#pragma once
// `graflowctl scale --emergency N` and `--reattach`: detach the HPA, scale, reattach —
// without ever losing the HPA (DESIGN.md §4).
#include "graflow/actions/rollout.hpp"
#include "graflow/actions/services.hpp"
#include "graflow/actions/snapshot_store.hpp" // default_backup_dir
#include "graflow/config/profile.hpp"
#include "graflow/core/env.hpp"

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace graflow::kube {
class Client;
}

namespace graflow::actions {

inline constexpr const char* k_detached_hpa_annotation = "graflow.io/detached-hpa";
inline constexpr const char* k_detached_at_annotation = "graflow.io/detached-at";
inline constexpr const char* k_scale_field_manager = "graflowctl-scale";

// The HPA as it must come back: apiVersion, kind, metadata (name, namespace, labels,
// annotations) and spec; no status, uid, resourceVersion or managedFields.
nlohmann::json hpa_snapshot(const nlohmann::json& hpa);

// When the worker Deployment says its HPA is detached: the time and the snapshot.
struct Detached {
  std::string since; // RFC 3339
  nlohmann::json snapshot;
};
std::optional<Detached> detached_state(const nlohmann::json& deployment);

// The largest replica count the API takes (Scale.spec.replicas is an int32).
inline constexpr long long k_max_replicas = 2147483647;

struct ScaleOptions {
  std::optional<long long> emergency; // --emergency N, 0..k_max_replicas
  bool reattach = false;              // --reattach
  // The flags that find this cluster and profile again, for the command printed when the
  // HPA stays detached: global ones before the command ("--context", "c") and the command's
  // own after it ("-p", "prod", "--set", ...). The namespace is added from the profile.
  std::vector<std::string> global_args;
  std::vector<std::string> scale_args;
  std::filesystem::path backup_dir;   // local snapshots (0600 files); empty: default_backup_dir()
  std::optional<std::chrono::milliseconds> hold;
  bool wait = false;
  WaitOptions wait_options;
};

// `scale --emergency N` or `scale --reattach` (a usage Error unless exactly one is given) on
// the resolved profile.
void run_scale(const ScaleOptions& options, Services& services, std::ostream& out);

// Detach → scale → (wait) → (hold, then reattach). Each step is idempotent; re-running after
// a failure continues from where it stopped. A signal (SIGINT, SIGTERM, SIGHUP) during
// --hold reattaches first, then throws an `interrupted` Error; a --wait that fails under
// --hold still holds, reattaches, then throws its failure. Any error that leaves the HPA
// detached says so and names restore_command(). `clock` stamps the detach time and the
// backup's name.
void emergency_scale(kube::Client& client, const config::Profile& profile, long long replicas,
                     const ScaleOptions& options, Clock& clock, const SignalWatcher& signals, std::ostream& out);

// Re-creates the HPA from the Deployment's annotation (or the newest local snapshot), then
// clears the annotation. Idempotent. An error while the HPA is still missing says so and
// names the command that restores it.
void reattach(kube::Client& client, const config::Profile& profile, const ScaleOptions& options, std::ostream& out);

// "graflowctl [global args] -n NS scale --reattach [scale args]", shell-quoted: what a user
// runs to restore the HPA of `ns` detached with `options`.
std::string restore_command(const ScaleOptions& options, const std::string& ns);

// `replicas` as --emergency takes it: 0..k_max_replicas, else a usage Error with the limit.
void check_replicas(long long replicas);

} // namespace graflow::actions
