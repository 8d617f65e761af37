// redis+sentinel:// at its edges, against real servers: sentinels that fail late and stall
// share one --redis-timeout (not one each); the exporter's /readyz is 503 while no master is
// confirmed and 200 once one is; sentinels that require an ACL user (ACL SETUSER on the
// sentinel, Redis 7.0's redis-server --sentinel) with --redis-sentinel-user.
#include "exporter_process.hpp"
#include "harness.hpp"
#include "hostile_redis.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <functional>
#include <thread>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (ok()) {
      return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return ok();
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

} // namespace

TEST_CASE("a sentinel failing late and one that stalls share one --redis-timeout") {
  // The first answers an error one byte every 130 ms (complete after ~1.4 s of the 2 s), the
  // second never answers: each given a timeout of its own, that was ~3.4 s.
  HostileRedis late("-ERR slow\r\n", 130ms);
  HostileRedis stalled("");
  const std::string a = "127.0.0.1:" + std::to_string(late.port());
  const std::string b = "127.0.0.1:" + std::to_string(stalled.port());
  const auto start = Clock::now();
  const auto r = graflowctl({"queue", "depth", "--redis-url", "redis+sentinel://" + a + "," + b + "/mymaster",
                             "--redis-timeout", "2s"});
  const auto took = Clock::now() - start;
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.rfind("graflowctl: error: no sentinel named master mymaster: sentinel " + a +
                                " refused SENTINEL get-master-addr-by-name: ERR slow; Redis at " + b +
                                " did not answer asking for the master within ",
                            0) == 0,
                r.err);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(late.requests() == 1);
  CHECK(stalled.requests() == 1);
  CHECK(took >= 1900ms);
  CHECK_MESSAGE(took < 2700ms, std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
}

TEST_CASE("exporter /readyz with sentinels: 503 while no master is confirmed, 200 once one is, 503 again") {
  RedisServer master;
  master.push("graflow:queue", 7);
  SentinelOptions o; // monitors nothing yet
  SentinelServer sentinel(o);
  ExporterProcess exporter({"--redis-url", "redis+sentinel://" + sentinel.host_port() + "/later", "--redis-timeout",
                            "1s", "--key-prefix", "graflow"});
  const auto before = http(exporter.url("/readyz"));
  CHECK(before.status == 503);
  CHECK_MESSAGE(has(before.body, "no sentinel knows master later"), before.body);
  auto page = http(exporter.url("/metrics")).body;
  CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  CHECK(sample_lines(page, "graflow_queue_depth").empty());

  REQUIRE(sentinel.command({"SENTINEL", "MONITOR", "later", "127.0.0.1", std::to_string(master.port()), "1"}) == "OK");
  CHECK(eventually([&] { return http(exporter.url("/readyz")).status == 200; }, 15s));
  page = http(exporter.url("/metrics")).body;
  CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
  CHECK(sample_lines(page, "graflow_queue_depth") ==
        std::vector<std::string>{"graflow_queue_depth{key_prefix=\"graflow\"} 7"});

  // The sentinel forgets it: no master confirmed, not ready, no number.
  REQUIRE(sentinel.command({"SENTINEL", "REMOVE", "later"}) == "OK");
  CHECK(eventually([&] { return http(exporter.url("/readyz")).status == 503; }, 15s));
  CHECK(sample_lines(http(exporter.url("/metrics")).body, "graflow_queue_depth").empty());
}

TEST_CASE("sentinels that require an ACL user: --redis-sentinel-user with the sentinel password") {
  RedisServer master;
  master.push("graflow:queue", 6);
  SentinelOptions o;
  o.monitors = {{"mymaster", master.port(), 1}};
  SentinelServer sentinel(o);
  REQUIRE(sentinel.command({"ACL", "SETUSER", "graflow-sentinel", "on", ">sentinel-acl-pw", "-@all",
                            "+sentinel|get-master-addr-by-name"}) == "OK");
  REQUIRE(sentinel.command({"ACL", "SETUSER", "pinger", "on", ">pinger-pw", "-@all", "+ping"}) == "OK");
  REQUIRE(sentinel.command({"ACL", "SETUSER", "default", "off"}) == "OK"); // from now on, a user is required
  const std::string url = "redis+sentinel://" + sentinel.host_port() + "/mymaster";
  const std::string where = "sentinel " + sentinel.host_port();

  const auto none = graflowctl({"queue", "depth", "--redis-url", url});
  CHECK(none.code == 1);
  CHECK_MESSAGE(has(none.err, where + " requires a password: NOAUTH"), none.err);

  const auto ok = graflowctl({"--redis-sentinel-user", "graflow-sentinel", "queue", "depth", "--redis-url", url, "-o",
                              "json"},
                             env({"GRAFLOW_REDIS_SENTINEL_PASSWORD=sentinel-acl-pw"}));
  CHECK_MESSAGE(ok.code == 0, ok.err);
  CHECK(has(ok.out, "\"depth\": 6"));

  const auto wrong = graflowctl({"--redis-sentinel-user", "graflow-sentinel", "queue", "depth", "--redis-url", url},
                                env({"GRAFLOW_REDIS_SENTINEL_PASSWORD=not-it"}));
  CHECK(wrong.code == 1);
  CHECK_MESSAGE(has(wrong.err, "rejected the credentials of user \"graflow-sentinel\""), wrong.err);
  CHECK(!has(wrong.err, "not-it"));

  // A user the sentinel knows but may not ask for the master: its refusal, named.
  const auto weak = graflowctl({"--redis-sentinel-user", "pinger", "queue", "depth", "--redis-url", url},
                               env({"GRAFLOW_REDIS_SENTINEL_PASSWORD=pinger-pw"}));
  CHECK(weak.code == 1);
  CHECK_MESSAGE(has(weak.err, where + " refused SENTINEL get-master-addr-by-name: NOPERM"), weak.err);
  for (const auto* r : {&none, &wrong, &weak}) {
    CHECK(r->err.rfind("graflowctl: error: ", 0) == 0);
    CHECK(std::count(r->err.begin(), r->err.end(), '\n') == 1);
  }
}
