#include "graflow/redis/tls.hpp"

#include "graflow/core/module.hpp"

#include <mutex>

namespace graflow::redis {
namespace {

// graflowctl-tls.so from $GRAFLOW_TLS_MODULE, next to the binary (build tree) or in
// lib/graflowctl/ (installed). Test executables set the variable (tests/support).
const TlsApi* load() {
  return module::load_api<TlsApi>({"graflowctl-tls.so", "graflow_tls_api", "rediss:// needs",
                                   "reinstall graflowctl or set GRAFLOW_TLS_MODULE", {}, {}},
                                  "GRAFLOW_TLS_MODULE");
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
