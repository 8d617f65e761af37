#include "graflow/kube/exec_cache.hpp"

#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "graflow/core/log.hpp"

#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace graflow::kube::exec_cache {
namespace fs = std::filesystem;
namespace {

// An ExecCredential is a few KiB; a bigger cache file is not one of ours.
constexpr std::size_t k_file_limit = 1U << 20U;

struct MemoryCache {
  std::mutex mutex;
  std::map<std::string, ExecCredential> entries;
};

MemoryCache& memory() {
  static MemoryCache cache;
  return cache;
}

// FNV-1a: a stable file name, not a security measure (the file's mode and owner are).
std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

fs::path file_of(const fs::path& dir, const std::string& key) { return dir / (key + ".json"); }

} // namespace

std::string key_of(const ExecConfig& exec, const RestConfig& cluster) {
  const nlohmann::json id = {exec.api_version, exec.command, exec.args, exec.env, cluster.server, cluster.user};
  return fnv1a_hex(id.dump());
}

std::unique_lock<std::mutex> lock() { return std::unique_lock(memory().mutex); }

std::optional<ExecCredential> memory_get(const std::string& key) {
  const auto& entries = memory().entries;
  if (const auto it = entries.find(key); it != entries.end()) {
    return it->second;
  }
  return std::nullopt;
}

void memory_put(const std::string& key, const ExecCredential& c) { memory().entries[key] = c; }
void memory_erase(const std::string& key) { memory().entries.erase(key); }
void memory_clear() { memory().entries.clear(); }

std::optional<ExecCredential> disk_get(const fs::path& dir, const std::string& key, const std::string& api_version,
                                       const std::string& plugin) {
  if (dir.empty()) {
    return std::nullopt;
  }
  const fs::path file = file_of(dir, key);
  // Only a file that is ours and private: anything else could be planted.
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    return std::nullopt;
  }
  files::ReadError error;
  const auto text = files::try_read(file, error, k_file_limit);
  if (!text) {
    log::debug(2, "exec plugin {}: ignoring the cache file {}: {}", plugin, file.string(), error.reason);
    return std::nullopt;
  }
  try {
    auto c = parse_exec_credential(*text, api_version, plugin);
    log::debug(2, "exec plugin {}: found a cached credential ({})", plugin, file.string());
    return c;
  } catch (const Error&) {
    return std::nullopt; // a damaged cache file: the plugin runs and overwrites it
  }
}

void disk_put(const fs::path& dir, const std::string& key, const std::string& raw, const std::string& plugin) {
  if (dir.empty()) {
    return;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  try {
    write_file_atomically(file_of(dir, key), raw, 0600);
  } catch (const Error& e) {
    log::debug(1, "exec plugin {}: not caching the credential: {}", plugin, e.what());
  }
}

void disk_erase(const fs::path& dir, const std::string& key) {
  if (!dir.empty()) {
    std::error_code ec;
    fs::remove(file_of(dir, key), ec);
  }
}

} // namespace graflow::kube::exec_cache
