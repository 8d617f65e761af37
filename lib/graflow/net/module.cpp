#include "graflow/net/module.hpp"

#include "graflow/core/env.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>

#ifndef GRAFLOW_NET_REL
#define GRAFLOW_NET_REL "../lib/graflowctl"
#endif

namespace graflow::net {
namespace {

// `file` next to the binary (build tree) or in lib/graflowctl/ (installed); `env` names
// a variable that overrides the path.
const Api* load(const char* file, const char* env_name) {
  std::vector<std::filesystem::path> candidates;
  // The loader is part of the process's platform (cli::process_platform), so it reads the
  // process's own environment.
  if (const auto path = ProcessEnv().non_empty(env_name)) {
    candidates.emplace_back(*path);
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / file);
    candidates.push_back(exe.parent_path() / GRAFLOW_NET_REL / file);
  }
  std::string last_error = "not found";
  for (const auto& path : candidates) {
    if (!std::filesystem::exists(path)) {
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      last_error = dlerror();
      continue;
    }
    auto* entry = reinterpret_cast<const Api* (*)(const log::Host*)>(dlsym(handle, "graflow_net_api"));
    if (entry == nullptr) {
      last_error = fmt::format("{} has no graflow_net_api", path.string());
      continue;
    }
    log::debug(2, "loaded {}", path.string());
    const log::Host host = log::host(); // copied by the module
    return entry(&host);
  }
  throw failure(fmt::format("cannot load {}, which graflowctl needs for HTTP ({}); "
                            "reinstall graflowctl or set {}",
                            file, last_error, env_name));
}

} // namespace

const Api& api() {
  static std::once_flag once;
  static const Api* loaded = nullptr;
  std::call_once(once, [] { loaded = load("graflowctl-net.so", "GRAFLOW_NET_MODULE"); });
  return *loaded;
}

} // namespace graflow::net
