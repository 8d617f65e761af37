#pragma once
// The one entry point the commands and the exporter read queues through: read_queues() for
// any mix of layouts, and the seed's LLEN-only request when every queue is of the graflow layout.
#include "graflow/queues/layouts.hpp"

#include <vector>

namespace graflow::queues {

// Reads every queue in one round trip (two when a layout needs a dependent read). When all
// queues are of the graflow layout, the request is the seed's (one LLEN per queue, through
// QueueStore::lengths) with the seed's messages, which scripts and tests already match;
// otherwise read_queues() with `memo`. Throws what those throw.
std::vector<Reading> read_all(CommandRunner& store, const std::vector<QueueSpec>& specs, TimePoint now,
                              ReadMemo* memo = nullptr);

} // namespace graflow::queues
