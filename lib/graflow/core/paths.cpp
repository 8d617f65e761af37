#include "graflow/core/paths.hpp"

#include <pwd.h>
#include <string>
#include <unistd.h>

namespace graflow::paths {
namespace fs = std::filesystem;
namespace {

std::optional<fs::path> xdg(const Env& env, std::string_view var, const char* under_home) {
  if (auto v = env.non_empty(var); v && fs::path(*v).is_absolute()) {
    return fs::path(*v);
  }
  if (auto home = home_dir(env)) {
    return *home / under_home;
  }
  return std::nullopt;
}

} // namespace

std::optional<fs::path> home_dir(const Env& env) {
  if (auto home = env.non_empty("HOME")) {
    return fs::path(*home);
  }
  // getpwuid_r rather than getpwuid: the exporter runs threads.
  passwd pw{};
  passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr && found->pw_dir != nullptr &&
      *found->pw_dir != '\0') {
    return fs::path(found->pw_dir);
  }
  return std::nullopt;
}

std::optional<fs::path> config_home(const Env& env) { return xdg(env, "XDG_CONFIG_HOME", ".config"); }
std::optional<fs::path> cache_home(const Env& env) { return xdg(env, "XDG_CACHE_HOME", ".cache"); }
std::optional<fs::path> state_home(const Env& env) { return xdg(env, "XDG_STATE_HOME", ".local/state"); }

std::optional<fs::path> app_dir(const std::optional<fs::path>& base, std::string_view sub) {
  if (!base) {
    return std::nullopt;
  }
  fs::path p = *base / "graflowctl";
  if (!sub.empty()) {
    p /= sub;
  }
  return p;
}

std::optional<fs::path> find_program(std::string_view name, const Env& env) {
  if (name.empty()) {
    return std::nullopt;
  }
  if (name.find('/') != std::string_view::npos) {
    return fs::path(name);
  }
  const std::string path = env.get("PATH").value_or("");
  if (path.empty()) {
    return std::nullopt;
  }
  std::string_view rest = path;
  while (true) {
    const auto colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    std::error_code ec;
    if (access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec)) {
      return candidate;
    }
    if (colon == std::string_view::npos) {
      break;
    }
    rest = rest.substr(colon + 1);
  }
  return std::nullopt;
}

} // namespace graflow::paths
