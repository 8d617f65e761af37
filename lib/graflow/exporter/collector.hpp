#pragma once
// Reads every queue for the exporter (queues::read_all: one round trip, two when a layout
// needs a dependent read), on one thread of
// its own. Scrapes never touch Redis themselves: they ask for a reading and wait for it
// with a deadline, so a slow or absent Redis costs a scrape at most `timeout`, and the
// hiredis connection (not thread-safe) is only ever used by that one thread.
//
// Single flight: a scrape that arrives while a round trip is in flight waits for it and
// shares its result instead of queueing another; under load, N concurrent scrapes cost
// one round trip.
#include "graflow/exporter/metrics.hpp"
#include "graflow/queues/spec.hpp"
#include "graflow/redis/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace graflow {
class Clock;
}

namespace graflow::exporter {

class Collector {
public:
  // Makes a new connection (throws a graflow::Error when Redis cannot be reached).
  using Connect = std::function<std::unique_ptr<redis::QueueStore>()>;

  struct Options {
    std::vector<queues::QueueSpec> queues; // read in this order
    const graflow::Clock* clock = nullptr; // wall time for the layouts that need it; null: the system's
    std::string redis_endpoint;            // for messages: "host:port"
    std::chrono::milliseconds timeout{1000}; // the longest a caller of read() waits
    // After a failure, the next connection attempt waits this long, so a scrape storm
    // against a dead Redis does not turn into a connection storm.
    std::chrono::milliseconds reconnect_interval{500};
  };

  Collector(Options options, Connect connect);
  // Stops the reader thread. A round trip stuck on an unresponsive Redis is not waited
  // for (the hiredis timeout ends it); the thread then exits on its own.
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // A reading no older than the round trip in flight when this is called (or a new one).
  // Waits up to options.timeout; then returns a reading with redis_up false. Thread-safe.
  [[nodiscard]] std::shared_ptr<const Reading> read();

  // For a quick exit: from now on, read() waits at most `grace` for Redis, so that requests
  // in flight get their answer soon. Thread-safe; the destructor calls it too.
  void shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(200));

  // Readings finished so far (each at most one connection attempt and one round trip).
  [[nodiscard]] std::uint64_t round_trips() const;

  [[nodiscard]] const Options& options() const;

private:
  struct State;
  static void run(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::thread thread_;
};

} // namespace graflow::exporter
