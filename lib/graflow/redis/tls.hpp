#pragma once
// OpenSSL TLS on a connected socket, for rediss://: TLS 1.2 or later, the certificate
// verified (system trust store or --redis-ca-file) against the host or
// --redis-tls-server-name, an optional client certificate. Internal to graflow/redis.
#include "graflow/redis/transport.hpp"

#include <memory>

namespace graflow::redis {

class TlsSession {
public:
  // Handshakes on `fd` (non-blocking, owned by the caller) before `deadline`. Throws a
  // failure Error that says what did not match (expired, unknown CA, name mismatch) and
  // where; a usage Error for unreadable CA, certificate or key files; an interrupted
  // Error (empty message) when `cancel_fd` becomes readable.
  TlsSession(const Address& address, int fd, Deadline deadline, std::chrono::milliseconds timeout, int cancel_fd);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // The negotiated protocol and the name the certificate was verified for.
  [[nodiscard]] TlsInfo info() const;

  Io write_all(std::string_view data, Deadline deadline);
  Io read_some(char* buf, std::size_t size, Deadline deadline);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace graflow::redis
