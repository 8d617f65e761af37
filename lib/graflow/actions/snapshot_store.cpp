#include "graflow/actions/snapshot_store.hpp"

#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "graflow/core/paths.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <sys/stat.h>
#include <vector>

namespace graflow::actions {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string prefix_of(const std::string& ns, const std::string& hpa) { return ns + "." + hpa + "."; }

// The pending (not reattached) snapshot files of one HPA.
std::vector<fs::path> pending(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return files;
  }
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".json")) {
      files.push_back(e.path());
    }
  }
  return files;
}

} // namespace

fs::path SnapshotStore::save(const std::string& ns, const std::string& hpa, const std::string& server,
                             const json& snapshot, const std::string& since,
                             std::chrono::system_clock::time_point now) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    throw failure(fmt::format("cannot create {}: {}", dir_.string(), ec.message()));
  }
  chmod(dir_.c_str(), 0700);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto path = dir_ / fmt::format("{}{}.json", prefix_of(ns, hpa), ms);
  const json doc = {{"server", server}, {"namespace", ns}, {"detachedAt", since}, {"snapshot", snapshot}};
  write_file_atomically(path, doc.dump(2) + "\n", 0600);
  return path;
}

std::optional<std::pair<fs::path, json>> SnapshotStore::newest(const std::string& ns, const std::string& hpa,
                                                               const std::string& server) const {
  std::vector<fs::path> files = pending(dir_, prefix_of(ns, hpa));
  // Newest first: a longer millisecond count is later, then the same length sorts as text.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a.filename().string().size() != b.filename().string().size()
               ? a.filename().string().size() > b.filename().string().size()
               : a.filename().string() > b.filename().string();
  });
  for (const auto& f : files) {
    files::ReadError error;
    const auto text = files::try_read(f, error);
    if (!text) {
      continue;
    }
    try {
      json doc = json::parse(*text);
      if (doc.value("server", "") == server && doc.contains("snapshot")) {
        return std::make_pair(f, std::move(doc));
      }
    } catch (const json::exception&) {
      continue; // a damaged file is not a snapshot
    }
  }
  return std::nullopt;
}

void SnapshotStore::mark_reattached(const std::string& ns, const std::string& hpa) const {
  for (const auto& f : pending(dir_, prefix_of(ns, hpa))) {
    std::error_code ec;
    fs::rename(f, f.string() + ".reattached", ec);
  }
}

fs::path default_backup_dir(const Env& env) {
  if (auto dir = paths::app_dir(paths::state_home(env), "detached")) {
    return *dir;
  }
  throw usage_error("cannot tell where to keep HPA snapshots: neither $XDG_STATE_HOME nor $HOME is set and the "
                    "user has no home directory; pass --backup-dir");
}

} // namespace graflow::actions
