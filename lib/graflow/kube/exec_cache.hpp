#pragma once
// The two caches of exec credentials (internal to exec_provider.cpp): one map for the whole
// process, and one 0600 file per plugin invocation in the cache directory.
#include "graflow/kube/exec_credential.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

namespace graflow::kube::exec_cache {

// A stable name for one plugin invocation (its command, args, env, server and user).
std::string key_of(const ExecConfig& exec, const RestConfig& cluster);

// The process-wide lock: each plugin runs at most once per credential lifetime, however
// many clients use it. Hold it across lookup, run and store.
std::unique_lock<std::mutex> lock();

// The credential in memory for `key`, if any (expired or not).
std::optional<ExecCredential> memory_get(const std::string& key);
void memory_put(const std::string& key, const ExecCredential& c);
void memory_erase(const std::string& key);
void memory_clear();

// The credential in `dir` for `key` when the file is ours, private (no group/other bits)
// and parses; nullopt otherwise (a damaged or planted file is ignored).
std::optional<ExecCredential> disk_get(const std::filesystem::path& dir, const std::string& key,
                                       const std::string& api_version, const std::string& plugin);
// Writes the plugin's raw output (0600, in a 0700 directory); failures only logged.
void disk_put(const std::filesystem::path& dir, const std::string& key, const std::string& raw,
              const std::string& plugin);
void disk_erase(const std::filesystem::path& dir, const std::string& key);

} // namespace graflow::kube::exec_cache
