#pragma once
// A test double of the project's own QueueStore seam (never of Redis itself): lists in a
// map, with switches to fail, to refuse connections and to hold a request until released.
#include "graflow/core/error.hpp"
#include "graflow/exporter/collector.hpp"
#include "graflow/queues/spec.hpp"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace graflow::testing {

struct FakeRedis {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, long long> lists;
  std::vector<std::vector<std::string>> requests; // the keys of every lengths() call
  int connects = 0;
  bool refuse_connections = false;
  std::string fail_requests; // non-empty: lengths() throws this message
  bool hold = false;         // lengths() blocks while true
  int held = 0;              // requests currently blocked

  void set_hold(bool on) {
    std::lock_guard lock(mutex);
    hold = on;
    changed.notify_all();
  }
  // Waits until `n` requests are blocked in lengths().
  bool wait_held(int n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return held >= n; });
  }
  std::size_t request_count() {
    std::lock_guard lock(mutex);
    return requests.size();
  }
};

class FakeStore final : public redis::QueueStore {
public:
  explicit FakeStore(std::shared_ptr<FakeRedis> redis) : redis_(std::move(redis)) {}

  // Only known_lengths() (what lengths() goes through) is faked: the collector uses nothing else while every queue
  // is of the graflow layout (queues::read_all). Other layouts are tested against a real
  // redis-server (tests/integration/exporter_layouts_test.cpp), never a fake of Redis.
  std::vector<redis::Reply> pipeline(const std::vector<redis::Command>& /*commands*/, const char* doing) override {
    throw failure(std::string("FakeStore cannot pipeline arbitrary commands (") + doing + ")");
  }
  [[nodiscard]] std::string endpoint() const override { return "fake:6379"; }

  std::vector<Length> known_lengths(const std::vector<std::string>& keys) override {
    std::unique_lock lock(redis_->mutex);
    redis_->requests.push_back(keys);
    ++redis_->held;
    redis_->changed.notify_all();
    redis_->changed.wait(lock, [&] { return !redis_->hold; });
    --redis_->held;
    if (!redis_->fail_requests.empty()) {
      throw failure(redis_->fail_requests);
    }
    std::vector<Length> out;
    for (const auto& k : keys) {
      const auto it = redis_->lists.find(k);
      out.push_back({it == redis_->lists.end() ? 0 : it->second, {}, {}, false});
    }
    return out;
  }

private:
  std::shared_ptr<FakeRedis> redis_;
};

// The seed's queues (graflow layout) for these key prefixes.
inline std::vector<queues::QueueSpec> graflow_queues(const std::vector<std::string>& prefixes) {
  std::vector<queues::QueueSpec> out;
  for (const auto& p : prefixes) {
    out.push_back(queues::graflow_queue(p));
  }
  return out;
}

// The waiting counts of a reading, in order (-1 where unknown).
inline std::vector<long long> depths(const exporter::Reading& reading) {
  std::vector<long long> out;
  for (const auto& q : reading.queues) {
    out.push_back(q.waiting.value_or(-1));
  }
  return out;
}

inline exporter::Collector::Connect fake_connect(const std::shared_ptr<FakeRedis>& redis) {
  return [redis]() -> std::unique_ptr<redis::QueueStore> {
    std::lock_guard lock(redis->mutex);
    ++redis->connects;
    if (redis->refuse_connections) {
      throw failure("cannot reach Redis at fake:6379: connection refused");
    }
    return std::make_unique<FakeStore>(redis);
  };
}

} // namespace graflow::testing
