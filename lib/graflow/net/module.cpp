#include "graflow/net/module.hpp"

#include "graflow/core/env.hpp"
#include "graflow/core/module.hpp"

#include <mutex>

namespace graflow::net {
namespace {

// graflowctl-net.so from $GRAFLOW_NET_MODULE, next to the binary (build tree) or in
// lib/graflowctl/ (installed).
const Api* load() {
  module::Spec spec{"graflowctl-net.so", "graflow_net_api", "graflowctl needs for HTTP",
                    "reinstall graflowctl or set GRAFLOW_NET_MODULE", {}, {}};
  // The loader is part of the process's platform (cli::process_platform), so it reads the
  // process's own environment.
  if (const auto path = ProcessEnv().non_empty("GRAFLOW_NET_MODULE")) {
    spec.first.emplace_back(*path);
  }
  auto* entry = reinterpret_cast<const Api* (*)(const log::Host*)>(module::load_symbol(spec));
  const log::Host host = log::host(); // copied by the module
  return entry(&host);
}

} // namespace

const Api& api() {
  static std::once_flag once;
  static const Api* loaded = nullptr;
  std::call_once(once, [] { loaded = load(); });
  return *loaded;
}

} // namespace graflow::net
