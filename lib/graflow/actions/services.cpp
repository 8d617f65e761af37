#include "graflow/actions/services.hpp"

#include "graflow/core/error.hpp"

namespace graflow::actions {

const config::Profile& Services::profile() const {
  if (!resolved.profile) {
    throw usage_error("this command needs a profile (--profile NAME)");
  }
  return resolved.profile->profile;
}

std::unique_ptr<redis::QueueStore> Services::connect_redis(int cancel_fd) const {
  return redis(resolved.redis, resolved.redis_timeout, cancel_fd);
}

} // namespace graflow::actions
