#pragma once
// `graflowctl queue depth`: read queue lengths and what the HPA would make of them.
#include "graflow/actions/services.hpp"
#include "graflow/config/profile.hpp"
#include "graflow/core/output.hpp"
#include "graflow/queues/layouts.hpp"
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
  queues::Reading reading;
  std::string key_prefix;                   // graflow layout only
  std::optional<long long> desired_workers; // only with a profile, and when what it scales on is known
  bool with_profile = false;                // desired_workers is shown (null when unknown)
};

// What the HPA of `profile` scales on for this reading (scaleOn: waiting or
// waiting+in_flight); nothing when a part of it is unknown.
std::optional<long long> scale_value(const queues::Reading& reading, const config::Profile& profile);

// Reads every queue in one round trip (queues::read_all, `memo` carried from one reading
// of --watch to the next), with the desired workers when there is a profile.
std::vector<QueueReading> read_queues(redis::QueueStore& store, const std::vector<queues::QueueSpec>& specs,
                                      const config::Profile* profile, queues::TimePoint now,
                                      queues::ReadMemo* memo = nullptr);

// Text table (the seed's three columns when every queue is of the graflow layout), or the
// documented JSON/YAML (DESIGN.md §5b): {"queues":[{queue, layout, key_prefix?, key, depth,
// in_flight, oldest_age_seconds, paused?, desired_workers?}]}.
void print_queues(std::ostream& out, const std::vector<QueueReading>& readings, Format format);

// After the readings were printed: throws a failure Error (exit 1) saying how many queues are
// unknown, naming the first and why (a wrong-type key: its reason, which names the server, the
// key, both types and a hint); does nothing when all were read (DESIGN.md §5a).
void check_known(const std::vector<QueueReading>& readings);

struct WatchOptions {
  std::vector<queues::QueueSpec> specs;
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
  std::vector<std::string> queues;   // queue depth's own --queue (repeatable)
  bool watch = false;
  std::chrono::milliseconds interval{2000};
};

// `graflowctl queue depth`: the queues by actions::queue_specs(), read once or watched. Prints
// what was read, then throws a failure Error when a queue's waiting count is unknown.
void run_queue_depth(const QueueDepthOptions& options, Services& services, std::ostream& out);

} // namespace graflow::actions
