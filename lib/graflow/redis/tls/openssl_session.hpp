#pragma once
// The OpenSSL TlsSession, inside graflowctl-tls.so (module_entry.cpp hands it out); the rest
// of graflowctl reaches it through redis::start_tls (graflow/redis/tls.hpp).
#include "graflow/redis/tls.hpp"

namespace graflow::redis {

std::unique_ptr<TlsSession> start_openssl_session(const Address& address, int fd, Deadline deadline,
                                                  std::chrono::milliseconds timeout, int cancel_fd);

} // namespace graflow::redis
