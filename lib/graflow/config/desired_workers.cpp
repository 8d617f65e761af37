#include "graflow/config/desired_workers.hpp"

#include <algorithm>

namespace graflow::config {

long long desired_workers(long long depth, const Profile& profile) {
  const long long avg = profile.average_value;
  const long long want = depth <= 0 ? 0 : (depth + avg - 1) / avg;
  return std::clamp<long long>(want, profile.min_replicas, profile.max_replicas);
}

} // namespace graflow::config
