#pragma once
// The bytes under the Redis protocol: a TCP or unix socket, optionally inside OpenSSL TLS,
// with every wait bounded by a deadline and woken by a cancellation file descriptor.
// Internal to graflow/redis (Connection uses it); hiredis only formats and parses.
#include "graflow/redis/url.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace graflow::redis {

using Deadline = std::chrono::steady_clock::time_point;

// How an I/O call ended. `detail` explains `error` and `closed` in a few words.
struct Io {
  enum class Status { ok, timeout, cancelled, closed, error };
  Status status = Status::ok;
  std::size_t bytes = 0;
  std::string detail;
};

// A system message as the tail of one of our lines: "Connection refused" -> "connection
// refused" (a leading capital followed by a lower-case letter only, so "TLS ..." stays).
std::string lower_first(std::string s);

// Waits until `fd` has one of `events` (ok), `deadline` passes (timeout) or `cancel_fd`
// (-1: none) becomes readable (cancelled).
Io::Status wait_fd(int fd, short events, Deadline deadline, int cancel_fd);

class Transport {
public:
  // Connects to `address` (and does the TLS handshake for rediss://) before `deadline`.
  // Throws a failure Error naming the endpoint and the cause (`timeout` is only quoted in
  // messages), a usage Error for unreadable TLS files, and an interrupted Error (empty
  // message) when `cancel_fd` (-1: none) becomes readable.
  Transport(const Address& address, Deadline deadline, std::chrono::milliseconds timeout, int cancel_fd);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // The TLS facts of a rediss:// connection; nullopt for a plaintext one.
  [[nodiscard]] std::optional<TlsInfo> tls_info() const;

  // Sends all of `data` before `deadline`.
  Io write_all(std::string_view data, Deadline deadline);
  // Reads at least one byte into `buf` before `deadline`.
  Io read_some(char* buf, std::size_t size, Deadline deadline);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace graflow::redis
