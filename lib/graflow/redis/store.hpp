#pragma once
// Talking to Redis. QueueStore is the seam the exporter, the commands and the queue layouts
// (queues/layouts.hpp) use: pipelined commands in, replies out. Connection is the single-node
// implementation: OpenSSL or a plain socket for the bytes, hiredis's formatter and reader for
// the protocol. Other modes (Sentinel, Cluster) implement the same seam.
#include "graflow/redis/reply.hpp"
#include "graflow/redis/url.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graflow::redis {

class Transport;

class QueueStore {
public:
  virtual ~QueueStore() = default;
  // Sends `commands` in one pipelined round trip and returns one reply per command, in
  // order (an error reply is a Reply, not an exception). `doing` ("reading queues") names
  // the request in messages. Throws a failure Error naming the endpoint on I/O errors, when
  // the whole reply is not in within the timeout or the bytes are not RESP.
  virtual std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) = 0;
  // The server as people know it ("127.0.0.1:6379", a socket path), for messages about
  // what it answered; never the password.
  [[nodiscard]] virtual std::string endpoint() const = 0;

  // The length of each list in `keys`, in order, read in one pipelined round trip.
  // A missing key is an empty queue (0). Throws a failure Error that names the endpoint,
  // or the key when it holds something other than a list or the reply is not a length.
  std::vector<long long> lengths(const std::vector<std::string>& keys);
  // How the connection is secured, for `doctor`: the TLS facts, or nullopt for plaintext.
  [[nodiscard]] virtual std::optional<TlsInfo> tls_info() const { return std::nullopt; }

  // One list's length, or why it is unknown.
  struct Length {
    std::optional<long long> value;
    std::string unknown;    // set when value is empty
    std::string wrong_type; // a key that is not a list: what it holds ("hash"; empty: TYPE unreadable)
    bool is_wrong_type = false;
  };
  // Like lengths(), but a key no server could be asked for (a Cluster node that is down:
  // Reply::unavailable) or a key that is not a list (WRONGTYPE, named with its TYPE) is unknown
  // with the reason instead of failing the whole read.
  virtual std::vector<Length> known_lengths(const std::vector<std::string>& keys);
};

class Connection final : public QueueStore {
public:
  // Connects (TCP, unix socket, or TLS for rediss://) within `timeout`, which also bounds
  // each request's whole reply. AUTH and SELECT are sent with the first request, in the
  // same round trip. When `cancel_fd` (-1: none) becomes readable, a wait in progress
  // ends with an interrupted Error whose message is empty. Throws a failure Error.
  Connection(Address address, std::chrono::milliseconds timeout, int cancel_fd = -1);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `commands` in one round trip and returns their replies in order (an error reply
  // is a Reply, not an exception). `doing` ("reading queue lengths") names the request in
  // messages. Throws a failure Error when the whole reply is not in within the timeout,
  // the connection breaks or the bytes are not RESP.
  std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) override;
  // pipeline() with the whole reply due by `deadline` instead of the timeout from now: for a
  // lookup that spans several requests and must share one bound (Sentinel).
  std::vector<Reply> pipeline_until(const std::vector<Command>& commands, const char* doing,
                                    std::chrono::steady_clock::time_point deadline);
  [[nodiscard]] std::string endpoint() const override { return address_.endpoint(); }
  [[nodiscard]] std::optional<TlsInfo> tls_info() const override;

  // False once a request failed mid-way: the caller should make a new Connection.
  [[nodiscard]] bool usable() const { return usable_; }
  [[nodiscard]] const Address& address() const { return address_; }

private:
  // The request, due by `deadline`; `budget` (the time it was given) is quoted on a timeout.
  std::vector<Reply> pipeline_by(const std::vector<Command>& commands, const char* doing,
                                 std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds budget);
  void check_handshake(const std::vector<Reply>& replies, bool sent_auth, bool sent_select);

  Address address_;
  std::chrono::milliseconds timeout_;
  int cancel_fd_;
  std::unique_ptr<Transport> transport_;
  bool handshake_pending_ = true;
  bool usable_ = true;
};

} // namespace graflow::redis
