#pragma once
// Reading queue lengths from Redis. QueueStore is the seam the exporter and the commands
// use; Connection is the hiredis implementation.
#include "graflow/redis/url.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

struct redisContext;

namespace graflow::redis {

class QueueStore {
public:
  virtual ~QueueStore() = default;
  // The length of each list in `keys`, in order, read in one pipelined round trip.
  // A missing key is an empty queue (0). Throws a failure Error that names the endpoint,
  // or the key when it holds something other than a list.
  virtual std::vector<long long> lengths(const std::vector<std::string>& keys) = 0;
};

class Connection final : public QueueStore {
public:
  // Connects within `timeout` (which also bounds every reply). AUTH and SELECT are sent
  // with the first request, in the same round trip. Throws a failure Error.
  Connection(Address address, std::chrono::milliseconds timeout);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::vector<long long> lengths(const std::vector<std::string>& keys) override;

  // False once a request failed mid-way: the caller should make a new Connection.
  [[nodiscard]] bool usable() const { return usable_; }
  [[nodiscard]] const Address& address() const { return address_; }

private:
  struct Free {
    void operator()(redisContext* c) const;
  };
  [[noreturn]] void fail_io(const char* doing);

  Address address_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<redisContext, Free> ctx_;
  bool handshake_pending_ = true;
  bool usable_ = true;
};

} // namespace graflow::redis
