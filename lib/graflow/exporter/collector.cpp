#include "graflow/exporter/collector.hpp"

#include "graflow/core/clock.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/queues/read.hpp"
#include "graflow/redis/cluster.hpp"

#include <condition_variable>
#include <fmt/format.h>
#include <mutex>

namespace graflow::exporter {

using Clock = std::chrono::steady_clock;

// Shared with the reader thread, which may outlive the Collector (see ~Collector).
struct Collector::State {
  State(Options o, Connect c) : options(std::move(o)), connect(std::move(c)) {}

  const Options options;
  const Connect connect;

  std::mutex mutex;
  std::condition_variable wake; // the reader waits for a request
  std::condition_variable done; // callers wait for a reading
  bool in_flight = false;       // a round trip was requested and has not finished
  bool stopping = false;
  Clock::time_point stop_deadline{}; // once stopping: read() waits no longer than this
  bool exited = false;
  std::uint64_t generation = 0; // finished round trips
  std::shared_ptr<const Reading> last;

  // Reader thread only.
  std::unique_ptr<redis::QueueStore> store;
  Clock::time_point next_connect{};
  std::string logged_error; // the failure last logged, so a dead Redis logs once
  bool ever_up = false;

  std::shared_ptr<const Reading> round_trip();
  void log_transition(const Reading& reading);
};

std::shared_ptr<const Reading> Collector::State::round_trip() {
  const auto start = Clock::now();
  auto reading = std::make_shared<Reading>();
  try {
    if (!store) {
      if (start < next_connect && !logged_error.empty()) {
        reading->error = logged_error; // still within the reconnect interval
        return reading;
      }
      store = connect();
    }
    static const graflow::SystemClock system_clock;
    const graflow::Clock& wall = options.clock != nullptr ? *options.clock : system_clock;
    const auto* cluster = dynamic_cast<const redis::ClusterStore*>(store.get());
    const std::uint64_t before = cluster != nullptr ? cluster->requests() : 0;
    reading->queues = queues::read_all(*store, options.queues, wall.now());
    reading->redis_up = true;
    if (cluster != nullptr) {
      // Up only when every node holding a watched queue answered (DESIGN.md §5a); the
      // queues of a node that is down are unknown in reading->queues. A node this scrape
      // sent nothing to (it holds no watched queue) does not make Redis down.
      for (const auto& node : cluster->nodes()) {
        reading->nodes.push_back({node.endpoint, node.up});
        if (!node.up && node.last_request > before) {
          reading->redis_up = false;
          if (reading->error.empty()) {
            reading->error = node.error;
          }
        }
      }
    }
  } catch (const std::exception& e) {
    store.reset();
    next_connect = Clock::now() + options.reconnect_interval;
    reading->queues.clear();
    reading->nodes.clear();
    reading->error = e.what();
  }
  reading->duration = Clock::now() - start;
  log_transition(*reading);
  return reading;
}

void Collector::State::log_transition(const Reading& reading) {
  if (reading.redis_up) {
    if (!logged_error.empty() || !ever_up) {
      log::write(fmt::format("reading {} queue(s) from Redis at {}", options.queues.size(), options.redis_endpoint));
    }
    logged_error.clear();
    ever_up = true;
  } else if (reading.error != logged_error) {
    log::write(fmt::format("{} (graflow_redis_up is 0 until Redis answers; retrying at the next scrape)",
                           reading.error));
    logged_error = reading.error;
  }
}

Collector::Collector(Options options, Connect connect)
    : state_(std::make_shared<State>(std::move(options), std::move(connect))) {
  thread_ = std::thread(&Collector::run, state_);
}

void Collector::shutdown(std::chrono::milliseconds grace) {
  std::lock_guard lock(state_->mutex);
  if (!state_->stopping) {
    state_->stopping = true;
    state_->stop_deadline = Clock::now() + grace;
  }
  state_->wake.notify_all();
  state_->done.notify_all();
}

Collector::~Collector() {
  shutdown();
  std::unique_lock lock(state_->mutex);
  const bool exited = state_->done.wait_for(lock, std::chrono::milliseconds(100), [&] { return state_->exited; });
  lock.unlock();
  if (exited) {
    thread_.join();
  } else {
    thread_.detach(); // it holds its own reference to the state
  }
}

void Collector::run(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  while (true) {
    state->wake.wait(lock, [&] { return state->in_flight || state->stopping; });
    if (!state->in_flight) {
      break; // stopping, and nobody waits for a reading
    }
    lock.unlock();
    auto reading = state->round_trip();
    lock.lock();
    state->last = std::move(reading);
    ++state->generation;
    state->in_flight = false;
    state->done.notify_all();
  }
  state->exited = true;
  state->done.notify_all();
}

std::shared_ptr<const Reading> Collector::read() {
  State& s = *state_;
  const auto start = Clock::now();
  const auto deadline = start + s.options.timeout;
  std::unique_lock lock(s.mutex);
  // The round trip in flight, or the one this call starts, finishes as generation + 1.
  const std::uint64_t target = s.generation + 1;
  if (!s.in_flight) {
    s.in_flight = true;
    s.wake.notify_one();
  }
  const auto done = [&] { return s.generation >= target; };
  s.done.wait_until(lock, deadline, [&] { return done() || s.stopping; });
  if (!done() && s.stopping) {
    s.done.wait_until(lock, std::min(deadline, s.stop_deadline), done);
  }
  if (done()) {
    // The connection's reply bound is the scrape timeout too: a round trip that failed at
    // that bound may finish a hair after it. The scrape still cost the timeout, no more.
    if (!s.last->redis_up && s.last->duration > s.options.timeout) {
      auto capped = std::make_shared<Reading>(*s.last);
      capped->duration = s.options.timeout;
      return capped;
    }
    return s.last;
  }
  lock.unlock();
  auto late = std::make_shared<Reading>();
  // Cut short by a stop, the scrape waited less than the timeout: report what it waited.
  late->duration = s.stopping ? Clock::duration(Clock::now() - start) : Clock::duration(s.options.timeout);
  late->error = s.stopping ? std::string("the exporter is stopping")
                           : fmt::format("Redis at {} did not answer within {}", s.options.redis_endpoint,
                                         format_duration(s.options.timeout));
  return late;
}

std::uint64_t Collector::round_trips() const {
  std::lock_guard lock(state_->mutex);
  return state_->generation;
}

const Collector::Options& Collector::options() const { return state_->options; }

} // namespace graflow::exporter
