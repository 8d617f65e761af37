#include "graflow/exporter/collector.hpp"

#include "graflow/core/clock.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/queues/read.hpp"
#include "graflow/redis/cluster.hpp"

#include <condition_variable>
#include <deque>
#include <future>
#include <fmt/format.h>
#include <mutex>

namespace graflow::exporter {

using Clock = std::chrono::steady_clock;

// Shared with the reader thread, which may outlive the Collector (see ~Collector).
struct Collector::State {
  State(Options o, Connect c) : options(std::move(o)), connect(std::move(c)) {}

  // A read_async() caller.
  struct Waiter {
    Clock::time_point start;
    Clock::time_point deadline;
    ReadCallback done;
  };

  const Options options;
  const Connect connect;

  std::mutex mutex;
  std::condition_variable wake;  // the reader waits for a request
  std::condition_variable tick;  // the timer waits for a deadline, a stop, an exit
  std::condition_variable done;  // the destructor waits for the reader or for callbacks
  bool in_flight = false;        // a round trip was requested and has not finished
  bool stopping = false;
  Clock::time_point stop_deadline = Clock::time_point::max(); // once stopping: nobody waits longer
  bool exited = false;
  bool timer_exit = false;
  std::uint64_t generation = 0;  // finished round trips
  std::shared_ptr<const Reading> last;
  // In deadline order (each is its start plus the same timeout; start taken under the lock).
  std::deque<Waiter> waiters;
  Clock::time_point timer_wake = Clock::time_point::max(); // when the timer wakes next
  int firing = 0;                 // threads calling callbacks outside the lock

  // Reader thread only.
  std::unique_ptr<redis::QueueStore> store;
  queues::ReadMemo memo; // what one reading learnt for the next (Celery's delivery tags)
  Clock::time_point next_connect{};
  std::string logged_error; // the failure last logged, so a dead Redis logs once
  bool ever_up = false;
  std::vector<std::string> logged_wrong; // per queue: the wrong-type reason last logged

  std::shared_ptr<const Reading> round_trip();
  void log_transition(const Reading& reading);
  void log_wrong_types(const Reading& reading);
  // When `w` stops waiting: its deadline, or the end of the shutdown grace.
  [[nodiscard]] Clock::time_point cutoff(const Waiter& w) const { return std::min(w.deadline, stop_deadline); }
  // What a caller that waited since `start` gets when nothing came in time (`stopping`:
  // cut short by shutdown()).
  [[nodiscard]] std::shared_ptr<const Reading> late(Clock::time_point start, Clock::time_point now,
                                                    bool stopping) const;
  // Calls each callback outside the lock (which `lock` holds on entry and on return).
  void fire(std::unique_lock<std::mutex>& lock, std::deque<Waiter>& ready,
            const std::function<std::shared_ptr<const Reading>(const Waiter&)>& reading);
};

std::shared_ptr<const Reading> Collector::State::late(Clock::time_point start, Clock::time_point now,
                                                      bool cut) const {
  auto late = std::make_shared<Reading>();
  // Cut short by a stop, the scrape waited less than the timeout: report what it waited.
  late->duration = cut ? Clock::duration(now - start) : Clock::duration(options.timeout);
  late->error = cut ? std::string("the exporter is stopping")
                         : fmt::format("Redis at {} did not answer within {}", options.redis_endpoint,
                                       format_duration(options.timeout));
  return late;
}

void Collector::State::fire(std::unique_lock<std::mutex>& lock, std::deque<Waiter>& ready,
                            const std::function<std::shared_ptr<const Reading>(const Waiter&)>& reading) {
  if (ready.empty()) {
    return;
  }
  ++firing;
  lock.unlock();
  for (const Waiter& w : ready) {
    try {
      w.done(reading(w));
    } catch (const std::exception& e) {
      log::write(fmt::format("cannot answer a scrape: {}", e.what()));
    }
  }
  ready.clear(); // the callbacks' captures are released outside the lock too
  lock.lock();
  --firing;
  done.notify_all();
}

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
    reading->queues = queues::read_all(*store, options.queues, wall.now(), &memo);
    reading->redis_up = true;
    log_wrong_types(*reading);
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
      // A node that answers but will not serve a watched queue's slot (CLUSTERDOWN) is no
      // better for the HPA than one that is down.
      if (cluster->unserved().request > before) {
        reading->redis_up = false;
        if (reading->error.empty()) {
          reading->error = cluster->unserved().why;
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

// A queue with a wrong-type key has no sample (its numbers would be wrong); one line when that
// starts or its reason changes, one when it is readable again — not one per scrape.
void Collector::State::log_wrong_types(const Reading& reading) {
  logged_wrong.resize(options.queues.size());
  for (std::size_t i = 0; i < reading.queues.size() && i < logged_wrong.size(); ++i) {
    const auto& q = reading.queues[i];
    const std::string reason = q.wrong_type ? q.waiting_unknown : std::string();
    if (reason == logged_wrong[i]) {
      continue;
    }
    if (!reason.empty()) {
      log::write(fmt::format("queue {} ({}) is not exported: {}", q.id, queues::layout_name(q.layout), reason));
    } else {
      log::write(fmt::format("queue {} ({}) is readable again: exporting it", q.id, queues::layout_name(q.layout)));
    }
    logged_wrong[i] = reason;
  }
}

Collector::Collector(Options options, Connect connect)
    : state_(std::make_shared<State>(std::move(options), std::move(connect))) {
  thread_ = std::thread(&Collector::run, state_);
  timer_ = std::thread(&Collector::run_timer, std::ref(*state_));
}

void Collector::shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->stopping) {
      state_->stopping = true;
      state_->stop_deadline = Clock::now() + grace;
    }
  }
  state_->wake.notify_all();
  state_->tick.notify_all();
}

Collector::~Collector() {
  shutdown();
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  s.timer_exit = true;
  std::deque<State::Waiter> left;
  left.swap(s.waiters);
  s.tick.notify_all();
  const auto now = Clock::now();
  s.fire(lock, left, [&](const State::Waiter& w) { return s.late(w.start, now, true); });
  // No callback may run once this returns: wait for the reader's, if it is in some.
  s.done.wait(lock, [&] { return s.firing == 0; });
  const bool exited = s.done.wait_for(lock, std::chrono::milliseconds(100), [&] { return s.exited; });
  lock.unlock();
  timer_.join();
  if (exited) {
    thread_.join();
  } else {
    thread_.detach(); // it holds its own reference to the state
  }
}

void Collector::run(const std::shared_ptr<State>& state) {
  State& s = *state;
  std::unique_lock lock(s.mutex);
  while (true) {
    s.wake.wait(lock, [&] { return s.in_flight || s.stopping; });
    if (!s.in_flight) {
      break; // stopping, and nobody waits for a reading
    }
    lock.unlock();
    auto reading = s.round_trip();
    lock.lock();
    s.last = std::move(reading);
    ++s.generation;
    s.in_flight = false;
    // Everyone waiting asked while this round trip was in flight: they share it. The
    // connection's reply bound is the scrape timeout too, so a round trip that failed at
    // that bound may finish a hair after it; the scrape still cost the timeout, no more.
    std::shared_ptr<const Reading> shared = s.last;
    if (!shared->redis_up && shared->duration > s.options.timeout) {
      auto capped = std::make_shared<Reading>(*shared);
      capped->duration = s.options.timeout;
      shared = std::move(capped);
    }
    std::deque<State::Waiter> ready;
    ready.swap(s.waiters);
    s.fire(lock, ready, [&](const State::Waiter&) { return shared; });
  }
  s.exited = true;
  s.done.notify_all();
}

// The timer: sleeps until the first waiter's cutoff (or, with nobody waiting, until
// read_async() or shutdown() wakes it) and gives the waiters past it their late reading.
// Under load it wakes about once per timeout, however many scrapes there are.
void Collector::run_timer(State& s) {
  std::unique_lock lock(s.mutex);
  while (!s.timer_exit) {
    if (s.waiters.empty()) {
      s.timer_wake = Clock::time_point::max();
      s.tick.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    std::deque<State::Waiter> expired;
    while (!s.waiters.empty() && s.cutoff(s.waiters.front()) <= now) {
      expired.push_back(std::move(s.waiters.front()));
      s.waiters.pop_front();
    }
    if (expired.empty()) {
      s.timer_wake = s.cutoff(s.waiters.front());
      s.tick.wait_until(lock, s.timer_wake);
      continue;
    }
    const bool cut = s.stopping;
    s.fire(lock, expired, [&](const State::Waiter& w) { return s.late(w.start, now, cut); });
  }
}

void Collector::read_async(ReadCallback done) {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  const auto now = Clock::now();
  s.waiters.push_back({now, now + s.options.timeout, std::move(done)});
  // The round trip in flight, or the one this call starts, answers it.
  const bool start = !s.in_flight;
  s.in_flight = true;
  const bool wake_timer = s.cutoff(s.waiters.back()) < s.timer_wake;
  if (wake_timer) {
    s.timer_wake = s.cutoff(s.waiters.back()); // once: the timer recomputes when it wakes
  }
  lock.unlock();
  if (start) {
    s.wake.notify_one();
  }
  if (wake_timer) {
    s.tick.notify_one();
  }
}

std::shared_ptr<const Reading> Collector::read() {
  // Shared: the callback may still be returning from set_value() when get() returns.
  auto promise = std::make_shared<std::promise<std::shared_ptr<const Reading>>>();
  auto result = promise->get_future();
  read_async([promise](std::shared_ptr<const Reading> reading) { promise->set_value(std::move(reading)); });
  return result.get();
}

std::uint64_t Collector::round_trips() const {
  std::lock_guard lock(state_->mutex);
  return state_->generation;
}

const Collector::Options& Collector::options() const { return state_->options; }

} // namespace graflow::exporter
