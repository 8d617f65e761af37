#pragma once
// Reads every queue for the exporter (queues::read_all: one round trip, two when a layout
// needs a dependent read), on one thread of its own. Scrapes never touch Redis themselves:
// they ask for a reading and get it, or a "did not answer" one at a deadline, so a slow or
// absent Redis costs a scrape at most `timeout`, and the hiredis connection (not
// thread-safe) is only ever used by that one thread. Deadlines are kept by a second thread
// (the timer), which only wakes when a deadline may pass: a reader stuck on Redis cannot
// keep them.
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
  // Gives the callbacks still waiting their "stopping" reading and stops the threads. A
  // round trip stuck on an unresponsive Redis is not waited for (the hiredis timeout ends
  // it); the reader thread then exits on its own.
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  using ReadCallback = std::function<void(std::shared_ptr<const Reading>)>;

  // A reading no older than the round trip in flight when this is called (or a new one).
  // Waits up to options.timeout; then returns a reading with redis_up false. Thread-safe.
  [[nodiscard]] std::shared_ptr<const Reading> read();

  // read() without waiting: `done` gets the reading exactly once, never before this returns
  // and never after the destructor returns: on the reader thread when the round trip ends
  // (every caller sharing it gets the same reading), on the timer thread at the deadline
  // (the reading read() would return then), or in the destructor ("the exporter is
  // stopping"). `done` must not block: it holds up the readings of others. Thread-safe.
  void read_async(ReadCallback done);

  // For a quick exit: from now on, read() and read_async() wait at most `grace` for Redis,
  // so that requests in flight get their answer soon. Thread-safe; the destructor calls it too.
  void shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(200));

  // Readings finished so far (each at most one connection attempt and one round trip).
  [[nodiscard]] std::uint64_t round_trips() const;

  [[nodiscard]] const Options& options() const;

private:
  struct State;
  static void run(const std::shared_ptr<State>& state);
  static void run_timer(State& state);

  std::shared_ptr<State> state_;
  std::thread thread_;
  std::thread timer_;
};

} // namespace graflow::exporter
