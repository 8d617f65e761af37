#pragma once
// Loading graflowctl's own dlopen'ed modules (graflowctl-net, -tls and -plot .so): where
// to look for them and how a missing or broken module is reported, in one place, so that
// every module is found the same way in the build tree and once installed.
#include "graflow/core/log.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graflow::module {

struct Spec {
  std::string file;   // "graflowctl-net.so"
  std::string symbol; // the extern "C" entry point: "graflow_net_api"
  std::string needed_for; // completes "which ... needs": "graflowctl needs for HTTP"
  std::string hint;       // what to do about it: "reinstall graflowctl"
  // Full paths of the module file tried before the default locations (an override
  // variable's) and after them (a build tree's, for test executables elsewhere).
  std::vector<std::filesystem::path> first;
  std::vector<std::filesystem::path> last;
};

// Where `file` is looked for after the spec's own paths: next to the running executable
// (the build tree) and in lib/graflowctl/ beside its bin/ (installed).
std::vector<std::filesystem::path> default_locations(const std::string& file);

// The address of `spec.symbol` in the first of spec.first, default_locations(), spec.last that
// exists, dlopens (RTLD_NOW | RTLD_LOCAL) and exports it. The module stays loaded for the
// life of the process. Throws a failure Error "cannot load FILE, which NEEDED_FOR (WHY);
// HINT", WHY being dlerror()'s text, a missing symbol or "not found".
void* load_symbol(const Spec& spec);

// For the modules whose entry point is `const Api* entry(const log::Host*)` (graflowctl-net,
// graflowctl-tls): load_symbol() with $VARIABLE, when set, tried first; the entry point is
// called with the binary's log level and sink (so -v reaches code inside the module) and its
// answer returned. The variable is read from the process's own environment: the loader is
// part of the process's platform (cli::process_platform).
void* load_symbol_overridable(Spec spec, const char* variable);
template <class Api>
const Api* load_api(Spec spec, const char* variable) {
  auto* entry = reinterpret_cast<const Api* (*)(const log::Host*)>(load_symbol_overridable(std::move(spec), variable));
  const log::Host host = log::host(); // copied by the module
  return entry(&host);
}

} // namespace graflow::module
