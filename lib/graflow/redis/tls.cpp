#include "graflow/redis/tls.hpp"

#include "graflow/core/env.hpp"
#include "graflow/core/module.hpp"

#include <mutex>

namespace graflow::redis {
namespace {

// graflowctl-tls.so from $GRAFLOW_TLS_MODULE, next to the binary (build tree) or in
// lib/graflowctl/ (installed). Test executables set the variable (tests/support).
const TlsApi* load() {
  module::Spec spec{"graflowctl-tls.so", "graflow_tls_api", "rediss:// needs",
                    "reinstall graflowctl or set GRAFLOW_TLS_MODULE", {}, {}};
  // As for graflowctl-net.so (net/module.cpp): the loader reads the process's own environment.
  if (const auto path = ProcessEnv().non_empty("GRAFLOW_TLS_MODULE")) {
    spec.first.emplace_back(*path);
  }
  auto* entry = reinterpret_cast<const TlsApi* (*)(const log::Host*)>(module::load_symbol(spec));
  const log::Host host = log::host(); // copied by the module
  return entry(&host);
}

} // namespace

std::unique_ptr<TlsSession> start_tls(const Address& address, int fd, Deadline deadline,
                                      std::chrono::milliseconds timeout, int cancel_fd) {
  static std::once_flag once;
  static const TlsApi* api = nullptr;
  std::call_once(once, [] { api = load(); });
  return api->start(address, fd, deadline, timeout, cancel_fd);
}

} // namespace graflow::redis
