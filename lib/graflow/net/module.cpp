#include "graflow/net/module.hpp"

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

const Api* load() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("GRAFLOW_NET_MODULE"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "graflowctl-net.so");
    candidates.push_back(exe.parent_path() / GRAFLOW_NET_REL / "graflowctl-net.so");
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
    auto* entry = reinterpret_cast<const Api* (*)()>(dlsym(handle, "graflow_net_api"));
    if (entry == nullptr) {
      last_error = fmt::format("{} has no graflow_net_api", path.string());
      continue;
    }
    log::debug(2, "loaded {}", path.string());
    return entry();
  }
  throw failure(fmt::format("cannot load graflowctl-net.so, which graflowctl needs for HTTP ({}); "
                            "reinstall graflowctl or set GRAFLOW_NET_MODULE",
                            last_error));
}

} // namespace

const Api& api() {
  static std::once_flag once;
  static const Api* loaded = nullptr;
  std::call_once(once, [] { loaded = load(); });
  return *loaded;
}

} // namespace graflow::net
