#pragma once
// Local copies of detached HPA snapshots, so `scale --reattach` can restore an HPA even when
// the Deployment's annotation is gone: <dir>/<namespace>.<hpa>.<unix ms>.json (0600 files in
// a 0700 directory); ".reattached" is appended once the HPA is back, so an old snapshot is
// never restored by accident.
#include "graflow/core/env.hpp"

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace graflow::actions {

class SnapshotStore {
public:
  explicit SnapshotStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Writes {server, namespace, detachedAt: since, snapshot} atomically; returns the file.
  // Throws a failure Error when the directory or the file cannot be written.
  std::filesystem::path save(const std::string& ns, const std::string& hpa, const std::string& server,
                             const nlohmann::json& snapshot, const std::string& since,
                             std::chrono::system_clock::time_point now) const;

  // The newest snapshot of this HPA on this server that was not reattached yet: its file
  // and its document. Damaged files are skipped.
  [[nodiscard]] std::optional<std::pair<std::filesystem::path, nlohmann::json>>
  newest(const std::string& ns, const std::string& hpa, const std::string& server) const;

  // Marks every pending snapshot of this HPA as reattached.
  void mark_reattached(const std::string& ns, const std::string& hpa) const;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

private:
  std::filesystem::path dir_;
};

// Where local snapshots go: $XDG_STATE_HOME/graflowctl/detached (~/.local/state/...). Throws
// a usage Error when there is no home directory: snapshots must survive a reboot, so there
// is no /tmp fallback (pass --backup-dir).
std::filesystem::path default_backup_dir(const Env& env);

} // namespace graflow::actions
