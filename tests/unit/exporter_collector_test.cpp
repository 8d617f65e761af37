#include "exporter_fake_store.hpp"
#include "graflow/exporter/collector.hpp"

#include <doctest/doctest.h>
#include <future>
#include <thread>

using graflow::exporter::Collector;
using graflow::testing::fake_connect;
using graflow::testing::FakeRedis;
using namespace std::chrono_literals;

namespace {

Collector::Options options(std::vector<std::string> prefixes, std::chrono::milliseconds timeout = 1000ms,
                           std::chrono::milliseconds reconnect = 0ms) {
  Collector::Options o;
  o.queues = graflow::testing::graflow_queues(prefixes);
  o.redis_endpoint = "fake:6379";
  o.timeout = timeout;
  o.reconnect_interval = reconnect;
  return o;
}

} // namespace

TEST_CASE("one lengths() call per reading, for every prefix's <prefix>:queue in order") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"a:queue", 3}, {"b:queue", 250}};
  Collector collector(options({"a", "b", "missing"}), fake_connect(redis));
  const auto r = collector.read();
  CHECK(r->redis_up);
  CHECK(r->error.empty());
  CHECK(graflow::testing::depths(*r) == std::vector<long long>{3, 250, 0});
  REQUIRE(redis->requests.size() == 1);
  CHECK(redis->requests[0] == std::vector<std::string>{"a:queue", "b:queue", "missing:queue"});
  CHECK(redis->connects == 1);
}

TEST_CASE("every read after the last one finished goes to Redis again: never a stale number") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"q:queue", 1}};
  Collector collector(options({"q"}), fake_connect(redis));
  CHECK(graflow::testing::depths(*collector.read()) == std::vector<long long>{1});
  {
    std::lock_guard lock(redis->mutex);
    redis->lists["q:queue"] = 2;
  }
  CHECK(graflow::testing::depths(*collector.read()) == std::vector<long long>{2});
  CHECK(redis->request_count() == 2);
  CHECK(redis->connects == 1); // the connection is kept
  CHECK(collector.round_trips() == 2);
}

TEST_CASE("a failed request reports Redis down, drops the connection and reconnects later") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"q:queue", 5}};
  Collector collector(options({"q"}), fake_connect(redis));
  REQUIRE(collector.read()->redis_up);

  redis->fail_requests = "lost the connection to Redis at fake:6379 while reading queue lengths: EOF";
  auto down = collector.read();
  CHECK_FALSE(down->redis_up);
  CHECK(down->queues.empty());
  CHECK(down->error == "lost the connection to Redis at fake:6379 while reading queue lengths: EOF");

  redis->fail_requests.clear();
  redis->refuse_connections = true;
  down = collector.read();
  CHECK_FALSE(down->redis_up);
  CHECK(down->error == "cannot reach Redis at fake:6379: connection refused");
  CHECK(redis->connects == 2);

  redis->refuse_connections = false;
  const auto back = collector.read();
  CHECK(back->redis_up);
  CHECK(graflow::testing::depths(*back) == std::vector<long long>{5});
  CHECK(redis->connects == 3);
}

TEST_CASE("after a failure, connection attempts wait for the reconnect interval") {
  auto redis = std::make_shared<FakeRedis>();
  redis->refuse_connections = true;
  Collector collector(options({"q"}, 1000ms, 300ms), fake_connect(redis));
  CHECK_FALSE(collector.read()->redis_up);
  CHECK(redis->connects == 1);
  // A scrape storm within the interval does not become a connection storm...
  for (int i = 0; i < 20; ++i) {
    const auto r = collector.read();
    CHECK_FALSE(r->redis_up);
    CHECK(r->error == "cannot reach Redis at fake:6379: connection refused");
  }
  CHECK(redis->connects == 1);
  // ...and the next scrape after it tries again.
  redis->refuse_connections = false;
  std::this_thread::sleep_for(350ms);
  CHECK(collector.read()->redis_up);
  CHECK(redis->connects == 2);
}

TEST_CASE("a slow Redis costs a read at most the timeout, and reports Redis down") {
  auto redis = std::make_shared<FakeRedis>();
  Collector collector(options({"q"}, 150ms), fake_connect(redis));
  redis->set_hold(true);
  const auto start = std::chrono::steady_clock::now();
  const auto r = collector.read();
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(r->redis_up);
  CHECK(r->queues.empty());
  CHECK(r->error == "Redis at fake:6379 did not answer within 150ms");
  CHECK(took >= 140ms);
  CHECK(took < 600ms);
  // A read while that request is still stuck joins it instead of piling up another.
  CHECK_FALSE(collector.read()->redis_up);
  CHECK(redis->request_count() == 1);
  redis->set_hold(false);
  // Once it answers, reads work again.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool up = false;
  while (!up && std::chrono::steady_clock::now() < deadline) {
    up = collector.read()->redis_up;
  }
  CHECK(up);
}

TEST_CASE("single flight: concurrent reads share the round trip in flight") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"q:queue", 42}};
  Collector collector(options({"q"}, 5000ms), fake_connect(redis));
  redis->set_hold(true);
  auto first = std::async(std::launch::async, [&] { return collector.read(); });
  REQUIRE(redis->wait_held(1));
  std::vector<std::future<std::shared_ptr<const graflow::exporter::Reading>>> others;
  for (int i = 0; i < 7; ++i) {
    others.push_back(std::async(std::launch::async, [&] { return collector.read(); }));
  }
  std::this_thread::sleep_for(50ms); // let them reach the wait
  redis->set_hold(false);
  const auto shared = first.get();
  CHECK(shared->redis_up);
  CHECK(graflow::testing::depths(*shared) == std::vector<long long>{42});
  for (auto& f : others) {
    CHECK(f.get() == shared); // the very same reading
  }
  CHECK(redis->request_count() == 1);
}

TEST_CASE("shutdown() cuts reads waiting for a hung Redis short") {
  auto redis = std::make_shared<FakeRedis>();
  Collector collector(options({"q"}, 5000ms), fake_connect(redis));
  redis->set_hold(true);
  auto waiting = std::async(std::launch::async, [&] { return collector.read(); });
  REQUIRE(redis->wait_held(1));
  const auto start = std::chrono::steady_clock::now();
  collector.shutdown(100ms);
  const auto r = waiting.get();
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 90ms);
  CHECK(took < 1s);
  CHECK_FALSE(r->redis_up);
  CHECK(r->error == "the exporter is stopping");
  redis->set_hold(false);
}

TEST_CASE("after shutdown(), a round trip that finishes within the grace still counts") {
  auto redis = std::make_shared<FakeRedis>();
  redis->lists = {{"q:queue", 4}};
  Collector collector(options({"q"}, 5000ms), fake_connect(redis));
  redis->set_hold(true);
  auto waiting = std::async(std::launch::async, [&] { return collector.read(); });
  REQUIRE(redis->wait_held(1));
  collector.shutdown(2000ms);
  std::this_thread::sleep_for(20ms);
  redis->set_hold(false);
  const auto r = waiting.get();
  CHECK(r->redis_up);
  CHECK(graflow::testing::depths(*r) == std::vector<long long>{4});
}

TEST_CASE("destroying the collector while Redis hangs does not wait for Redis") {
  auto redis = std::make_shared<FakeRedis>();
  auto collector = std::make_unique<Collector>(options({"q"}, 50ms), fake_connect(redis));
  redis->set_hold(true);
  CHECK_FALSE(collector->read()->redis_up);
  const auto start = std::chrono::steady_clock::now();
  collector.reset();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  redis->set_hold(false); // the detached reader finishes and exits on its own
  std::this_thread::sleep_for(20ms);
}
