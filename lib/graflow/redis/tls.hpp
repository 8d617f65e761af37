#pragma once
// TLS on a connected socket, for rediss://: TLS 1.2 or later, the certificate verified
// (system trust store or --redis-ca-file) against the host or --redis-tls-server-name, an
// optional client certificate. Internal to graflow/redis.
//
// OpenSSL is not linked into graflowctl: the session lives in the graflowctl-tls module
// (graflow/redis/tls/), loaded on the first rediss:// connection, so that every other
// command and every plaintext exporter start without loading libssl and libcrypto (~1 ms and
// ~3 MiB of resident pages at start).
#include "graflow/core/log.hpp"
#include "graflow/redis/transport.hpp"

#include <chrono>
#include <memory>
#include <string_view>

namespace graflow::redis {

class TlsSession {
public:
  TlsSession() = default;
  virtual ~TlsSession() = default;
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;
  TlsSession(TlsSession&&) = delete;
  TlsSession& operator=(TlsSession&&) = delete;

  // The negotiated protocol and the name the certificate was verified for.
  [[nodiscard]] virtual TlsInfo info() const = 0;
  virtual Io write_all(std::string_view data, Deadline deadline) = 0;
  virtual Io read_some(char* buf, std::size_t size, Deadline deadline) = 0;
};

// Handshakes on `fd` (non-blocking, owned by the caller) before `deadline`. Throws a failure
// Error that says what did not match (expired, unknown CA, name mismatch) and where; a usage
// Error for unreadable CA, certificate or key files; an interrupted Error (empty message)
// when `cancel_fd` becomes readable; a failure Error naming graflowctl-tls.so when the
// module cannot be loaded.
std::unique_ptr<TlsSession> start_tls(const Address& address, int fd, Deadline deadline,
                                      std::chrono::milliseconds timeout, int cancel_fd);

// The module's entry points.
struct TlsApi {
  std::unique_ptr<TlsSession> (*start)(const Address& address, int fd, Deadline deadline,
                                       std::chrono::milliseconds timeout, int cancel_fd);
};

} // namespace graflow::redis

// Exported by graflowctl-tls.so: attaches `host` (when not null) to the module's log,
// returns the entry points.
extern "C" const graflow::redis::TlsApi* graflow_tls_api(const graflow::log::Host* host);
