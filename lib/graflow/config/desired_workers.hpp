#pragma once
// The product's core formula: how many workers a queue depth calls for.
#include "graflow/config/profile.hpp"

namespace graflow::config {

// ceil(depth / averageValue), clamped to [minReplicas, maxReplicas]: what the HPA converges to
// (its External metric with an AverageValue target divides the depth by the replica count).
long long desired_workers(long long depth, const Profile& profile);

} // namespace graflow::config
