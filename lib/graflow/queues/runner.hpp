#pragma once
// The seam the layouts send their commands through. The layout logic (layouts.hpp) only
// ever sees redis::Reply values, so it is tested with replies built by hand behind a test
// runner, and reads real servers through ConnectionRunner over the production
// redis::Connection (plain, TLS or unix socket; it formats its own I/O errors).
#include "graflow/redis/reply.hpp"
#include "graflow/redis/store.hpp"

#include <string>
#include <vector>

namespace graflow::queues {

using redis::Command;
using redis::Reply;

class CommandRunner {
public:
  virtual ~CommandRunner() = default;
  // Sends every command in one pipelined round trip and returns one reply per command, in
  // order; a command that fails yields an error Reply. `doing` ("reading queues") names the
  // request in messages. Throws a failure Error naming the endpoint on I/O errors.
  virtual std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) = 0;
  // The server as people know it ("127.0.0.1:6379", a socket path), for messages about
  // what it answered; never the password.
  [[nodiscard]] virtual std::string endpoint() const = 0;
};

class ConnectionRunner final : public CommandRunner {
public:
  // Sends through `connection`, which must outlive this runner.
  explicit ConnectionRunner(redis::Connection& connection) : connection_(connection) {}

  std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) override {
    return connection_.pipeline(commands, doing);
  }
  [[nodiscard]] std::string endpoint() const override { return connection_.address().endpoint(); }

private:
  redis::Connection& connection_;
};

} // namespace graflow::queues
