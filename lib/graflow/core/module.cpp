#include "graflow/core/module.hpp"

#include "graflow/core/env.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#ifndef GRAFLOW_NET_REL
#define GRAFLOW_NET_REL "../lib/graflowctl"
#endif

namespace graflow::module {

std::vector<std::filesystem::path> default_locations(const std::string& file) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back(exe.parent_path() / file);
    paths.push_back(exe.parent_path() / GRAFLOW_NET_REL / file);
  }
  return paths;
}

void* load_symbol(const Spec& spec) {
  std::vector<std::filesystem::path> candidates = spec.first;
  for (auto& path : default_locations(spec.file)) {
    candidates.push_back(std::move(path));
  }
  candidates.insert(candidates.end(), spec.last.begin(), spec.last.end());
  std::string last_error = "not found";
  for (const auto& path : candidates) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      continue;
    }
    // RTLD_LAZY: the ~30 libraries under libcurl (or PLplot) bind a function when it is first
    // called, not all at load (hyperfine: dlopen of libcurl 7.0 ms with RTLD_NOW, 5.2 ms
    // lazily). The modules themselves are linked with -z now (lib/CMakeLists.txt), so a
    // module built against another graflowctl still fails here, with dlerror()'s words.
    void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (handle == nullptr) {
      // glibc keeps dlerror()'s message per thread, so concurrency-mt-unsafe does not apply.
      const char* why = dlerror(); // NOLINT(concurrency-mt-unsafe)
      last_error = why != nullptr ? why : "dlopen failed";
      continue;
    }
    void* symbol = dlsym(handle, spec.symbol.c_str());
    if (symbol == nullptr) {
      last_error = fmt::format("{} has no {}", path.string(), spec.symbol);
      dlclose(handle);
      continue;
    }
    log::debug(2, "loaded {}", path.string());
    return symbol;
  }
  throw failure(fmt::format("cannot load {}, which {} ({}); {}", spec.file, spec.needed_for, last_error, spec.hint));
}

void* load_symbol_overridable(Spec spec, const char* variable) {
  if (const auto path = ProcessEnv().non_empty(variable)) {
    spec.first.emplace(spec.first.begin(), *path);
  }
  return load_symbol(spec);
}

} // namespace graflow::module
