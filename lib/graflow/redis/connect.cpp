#include "graflow/redis/connect.hpp"

#include "graflow/core/error.hpp"
#include "graflow/redis/cluster.hpp"
#include "graflow/redis/sentinel.hpp"

namespace graflow::redis {

std::unique_ptr<QueueStore> connect(const Address& address, std::chrono::milliseconds timeout, int cancel_fd) {
  switch (address.mode) {
  case Mode::single:
    return std::make_unique<Connection>(address, timeout, cancel_fd);
  case Mode::sentinel:
    return std::make_unique<SentinelStore>(address, timeout, cancel_fd);
  case Mode::cluster:
    return std::make_unique<ClusterStore>(address, timeout, cancel_fd);
  }
  throw usage_error("unknown Redis mode");
}

} // namespace graflow::redis
