#pragma once
// One entry point from an Address to a QueueStore, whatever the mode (DESIGN.md §5a): a
// single node (plain, TLS, unix socket), a master found through Sentinel, or a Cluster.
#include "graflow/redis/store.hpp"
#include "graflow/redis/url.hpp"

#include <chrono>
#include <memory>

namespace graflow::redis {

// Connects the way `address.mode` says, within `timeout` (which also bounds each request's
// whole reply). A readable `cancel_fd` (-1: none) ends any wait at once with an interrupted
// Error. Throws a failure Error naming the endpoint when Redis cannot be reached.
std::unique_ptr<QueueStore> connect(const Address& address, std::chrono::milliseconds timeout, int cancel_fd = -1);

} // namespace graflow::redis
