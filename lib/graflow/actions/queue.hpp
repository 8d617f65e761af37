#pragma once
// `graflowctl queue depth`: read queue lengths and what the HPA would make of them.
#include "graflow/actions/services.hpp"
#include "graflow/config/profile.hpp"
#include "graflow/core/output.hpp"
#include "graflow/redis/store.hpp"

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graflow {
class Clock;
class SignalWatcher;
}

namespace graflow::actions {

struct QueueReading {
  std::string key_prefix;
  std::string key;
  std::optional<long long> depth;           // empty: unknown (a Cluster node that is down)
  std::optional<long long> desired_workers; // only with a profile and a known depth
  std::string unknown;                      // why depth is unknown
};

// Reads every prefix's <prefix>:queue in one round trip (one per node in a Cluster).
// A queue whose node could not be asked is unknown, the others are read.
std::vector<QueueReading> read_queues(redis::QueueStore& store, const std::vector<std::string>& prefixes,
                                      const config::Profile* profile);

// Text table, or the documented JSON/YAML: {"queues":[{key_prefix, key, depth, desired_workers?}]}.
void print_queues(std::ostream& out, const std::vector<QueueReading>& readings, Format format);

// After the readings were printed: throws a failure Error (exit 1) saying how many queues
// are unknown and why, when any is; does nothing when all were read (DESIGN.md §5a).
void fail_if_unknown(const std::vector<QueueReading>& readings);

struct WatchOptions {
  std::vector<std::string> prefixes;
  const config::Profile* profile = nullptr;
  std::chrono::milliseconds interval{2000};
  Format format = Format::text;
  bool terminal = false; // redraw in place instead of appending
};

// Refreshes until a signal arrives, then throws an `interrupted` Error with an empty
// message (nothing to print). A failed read is reported on `err` and retried with a new
// connection from `connect` at the next tick. The time in each text heading comes from `clock`.
[[noreturn]] void watch_queues(const std::function<std::unique_ptr<redis::QueueStore>()>& connect,
                               const WatchOptions& options, const Clock& clock, const SignalWatcher& signals,
                               std::ostream& out, std::ostream& err);

struct QueueDepthOptions {
  std::vector<std::string> prefixes; // queue depth's own --key-prefix (repeatable)
  bool watch = false;
  std::chrono::milliseconds interval{2000};
};

// `graflowctl queue depth`: the prefixes by actions::key_prefixes(), read once or watched.
void run_queue_depth(const QueueDepthOptions& options, Services& services, std::ostream& out);

} // namespace graflow::actions
