#pragma once
// A small hiredis CommandRunner over one redisContext: enough for the tests and for
// `queue depth`; the integrator may swap it for the redis/ module's pipeline().
#include "graflow/queues/reply.hpp"
#include "graflow/redis/url.hpp"

#include <chrono>
#include <memory>

struct redisContext;

namespace graflow::queues {

class HiredisRunner final : public CommandRunner {
public:
  // Connects within `timeout` (which also bounds every reply) and authenticates and selects
  // the database of `address`. Throws a failure Error naming the endpoint, never the password.
  HiredisRunner(redis::Address address, std::chrono::milliseconds timeout);
  ~HiredisRunner() override;
  HiredisRunner(const HiredisRunner&) = delete;
  HiredisRunner& operator=(const HiredisRunner&) = delete;

  std::vector<Reply> pipeline(const std::vector<Command>& commands) override;

private:
  struct Free {
    void operator()(redisContext* c) const;
  };
  [[noreturn]] void fail_io(const char* doing);

  redis::Address address_;
  std::unique_ptr<redisContext, Free> ctx_;
};

} // namespace graflow::queues
