// Collector::read_async: the callback the exporter's scrapes wait on without a thread of
// their own. Each callback must run exactly once, however the wait ends.
#include "exporter_fake_store.hpp"
#include "graflow/exporter/collector.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <mutex>
#include <thread>
#include <vector>

using graflow::exporter::Collector;
using graflow::exporter::Reading;
using graflow::testing::fake_connect;
using graflow::testing::FakeRedis;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

Collector::Options options(std::chrono::milliseconds timeout) {
  Collector::Options o;
  o.queues = graflow::testing::graflow_queues({"q"});
  o.redis_endpoint = "fake:6379";
  o.timeout = timeout;
  o.reconnect_interval = 0ms;
  return o;
}

// Collects what the callbacks were given, and when.
struct Calls {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::shared_ptr<const Reading>> readings;
  std::vector<Clock::time_point> at;
  std::vector<std::thread::id> threads;

  Collector::ReadCallback callback() {
    return [this](std::shared_ptr<const Reading> r) {
      std::lock_guard lock(mutex);
      readings.push_back(std::move(r));
      at.push_back(Clock::now());
      threads.push_back(std::this_thread::get_id());
      changed.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return readings.size() >= n; });
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return readings.size();
  }
};

// Waits until no request is blocked in the fake any more.
bool released(FakeRedis& redis) {
  const auto until = Clock::now() + 5s;
  while (Clock::now() < until) {
    {
      std::lock_guard lock(redis.mutex);
      if (redis.held == 0) {
        return true;
      }
    }
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

} // namespace

TEST_CASE("read_async: one call, on another thread, with the reading") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"q:queue", 7}};
  Collector collector(options(1000ms), fake_connect(redis));
  Calls calls;
  collector.read_async(calls.callback());
  REQUIRE(calls.wait_for(1));
  std::this_thread::sleep_for(50ms);
  REQUIRE(calls.count() == 1);
  CHECK(calls.readings[0]->redis_up);
  CHECK(graflow::testing::depths(*calls.readings[0]) == std::vector<long long>{7});
  CHECK(calls.threads[0] != std::this_thread::get_id());
}

TEST_CASE("read_async while Redis hangs: the timeout reading at the deadline, and no second call when Redis answers") {
  auto redis = std::make_shared<FakeRedis>();
  Collector collector(options(150ms), fake_connect(redis));
  redis->set_hold(true);
  Calls calls;
  const auto start = Clock::now();
  collector.read_async(calls.callback());
  REQUIRE(calls.wait_for(1));
  const auto took = calls.at[0] - start;
  CHECK(took >= 140ms);
  CHECK(took < 600ms);
  CHECK_FALSE(calls.readings[0]->redis_up);
  CHECK(calls.readings[0]->error == "Redis at fake:6379 did not answer within 150ms");
  CHECK(calls.readings[0]->duration == 150ms);
  redis->set_hold(false);
  CHECK(collector.read()->redis_up); // the round trip that hung, or a new one
  std::this_thread::sleep_for(50ms);
  CHECK(calls.count() == 1);
}

TEST_CASE("read_async: 200 concurrent callers share one round trip and the very same reading") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"q:queue", 3}};
  Collector collector(options(5000ms), fake_connect(redis));
  redis->set_hold(true);
  Calls calls;
  collector.read_async(calls.callback());
  REQUIRE(redis->wait_held(1));
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        collector.read_async(calls.callback());
      }
    });
  }
  for (auto& t : callers) {
    t.join();
  }
  CHECK(calls.count() == 0);
  redis->set_hold(false);
  REQUIRE(calls.wait_for(201));
  std::this_thread::sleep_for(50ms);
  CHECK(calls.count() == 201);
  CHECK(redis->request_count() == 1);
  for (const auto& r : calls.readings) {
    CHECK(r == calls.readings[0]);
  }
  CHECK(calls.readings[0]->redis_up);
}

TEST_CASE("read_async while stopping: cut at the shutdown grace, once, with the time it waited") {
  auto redis = std::make_shared<FakeRedis>();
  Collector collector(options(5000ms), fake_connect(redis));
  redis->set_hold(true);
  Calls calls;
  const auto start = Clock::now();
  collector.read_async(calls.callback());
  REQUIRE(redis->wait_held(1));
  collector.shutdown(100ms);
  REQUIRE(calls.wait_for(1));
  const auto took = calls.at[0] - start;
  CHECK(took >= 90ms);
  CHECK(took < 1s);
  CHECK_FALSE(calls.readings[0]->redis_up);
  CHECK(calls.readings[0]->error == "the exporter is stopping");
  CHECK(calls.readings[0]->duration >= 90ms);
  CHECK(calls.readings[0]->duration < 1s);
  redis->set_hold(false);
  std::this_thread::sleep_for(50ms);
  CHECK(calls.count() == 1);
}

TEST_CASE("destroying the collector answers the callbacks still waiting, before it returns, and never again") {
  auto redis = std::make_shared<FakeRedis>();
  auto calls = std::make_shared<Calls>();
  auto collector = std::make_unique<Collector>(options(5000ms), fake_connect(redis));
  redis->set_hold(true);
  for (int i = 0; i < 3; ++i) {
    collector->read_async(calls->callback());
  }
  REQUIRE(redis->wait_held(1));
  const auto start = Clock::now();
  collector.reset();
  CHECK(Clock::now() - start < 1s);
  REQUIRE(calls->count() == 3);
  for (const auto& r : calls->readings) {
    CHECK_FALSE(r->redis_up);
    CHECK(r->error == "the exporter is stopping");
  }
  redis->set_hold(false); // the detached reader finishes its round trip: nobody left to call
  REQUIRE(released(*redis));
  std::this_thread::sleep_for(50ms);
  CHECK(calls->count() == 3);
}

TEST_CASE("a callback that throws is logged and does not keep the others from their reading") {
  auto redis = std::make_shared<FakeRedis>();
  Collector collector(options(1000ms), fake_connect(redis));
  redis->set_hold(true);
  Calls calls;
  collector.read_async([](const std::shared_ptr<const Reading>&) { throw std::runtime_error("boom"); });
  collector.read_async(calls.callback());
  REQUIRE(redis->wait_held(1));
  redis->set_hold(false);
  REQUIRE(calls.wait_for(1));
  CHECK(calls.readings[0]->redis_up);
}
