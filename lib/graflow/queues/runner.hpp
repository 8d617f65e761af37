#pragma once
// The seam the layouts send their commands through: redis::QueueStore (redis/store.hpp). The
// layout logic (layouts.hpp) only ever sees redis::Reply values, so it is tested with replies
// built by hand behind a test store, and reads real servers through redis::Connection (plain,
// TLS or unix socket) or any other mode that implements the seam.
#include "graflow/redis/reply.hpp"
#include "graflow/redis/store.hpp"

namespace graflow::queues {

using redis::Command;
using redis::Reply;
using CommandRunner = redis::QueueStore;

} // namespace graflow::queues
