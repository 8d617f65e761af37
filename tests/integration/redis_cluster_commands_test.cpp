// `status` and `doctor` against a real three-master Redis Cluster (redis-cli --cluster
// create) with one node SIGKILLed (DESIGN.md §5a): what can be read is read, the queue on the
// dead node is unknown (null in -o json) with the node named, and both exit 1 with one error
// line. The Kubernetes side is the fake API server.
#include "apiserver/fake_apiserver.hpp"
#include "harness.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <thread>

using graflow::testing::FakeApiServer;
using graflow::testing::RedisCluster;
using graflow::testing::Result;
using graflow::testing::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A key prefix whose <prefix>:queue the cluster keeps on node `n`.
std::string prefix_on(const RedisCluster& cluster, std::size_t n) {
  for (int i = 0; i < 1000; ++i) {
    const std::string p = "team" + std::to_string(i);
    if (cluster.owner(p + ":queue") == n) {
      return p;
    }
  }
  FAIL("no prefix found for node " << n);
  return "";
}

struct Setup {
  RedisCluster cluster;
  FakeApiServer api;
  TempDir state;

  Setup() { REQUIRE(run({"deploy", "-p", "prod"}).code == 0); }

  Result run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--kubeconfig", api.kubeconfig_path().string(), "-n", "work", "--request-timeout", "3s",
                               "--redis-url", cluster.url(), "--redis-timeout", "1s"});
    return graflow::testing::graflowctl(args, graflow::testing::env({"XDG_STATE_HOME=" + state.path().string()}));
  }
  // doctor's checks (-o json) for the queue `prefix`; Prometheus is not running, so doctor fails anyway.
  json doctor(const std::string& prefix) {
    const Result r = run({"--key-prefix", prefix, "doctor", "-p", "prod", "-o", "json", "--prometheus-url",
                          "http://127.0.0.1:" + std::to_string(graflow::testing::free_port())});
    CHECK(r.code == 1);
    CHECK(r.err == "graflowctl: error: some checks failed\n");
    return json::parse(r.out)["checks"];
  }
};

} // namespace

TEST_CASE("status and doctor with one cluster node killed: the rest read, that node's queue unknown, exit 1") {
  Setup s;
  const std::size_t dead = 1;
  const std::string alive_prefix = prefix_on(s.cluster, 0);
  const std::string dead_prefix = prefix_on(s.cluster, dead);
  s.cluster.node(0).push(alive_prefix + ":queue", 25);
  s.cluster.node(dead).push(dead_prefix + ":queue", 7);
  const std::string dead_node = "127.0.0.1:" + std::to_string(s.cluster.node(dead).port());
  const std::string alive_node = "127.0.0.1:" + std::to_string(s.cluster.node(0).port());

  // All up: doctor names the mode and every node answering, and where the queue is.
  json checks = s.doctor(alive_prefix);
  REQUIRE(checks[0]["name"] == "redis");
  CHECK(checks[0]["status"] == "ok");
  CHECK(checks[0]["message"] == "Redis cluster " + s.cluster.url().substr(std::string("redis+cluster://").size()) +
                                    " (3 master(s), 3 answer; plaintext): " + alive_prefix + ":queue holds 25 tasks (on node " +
                                    alive_node + ")");

  REQUIRE(::kill(s.cluster.node(dead).pid(), SIGKILL) == 0);
  std::this_thread::sleep_for(100ms);

  // status: the queue on the dead node is unknown (its node named), null in JSON, exit 1.
  Result r = s.run({"--key-prefix", dead_prefix, "status", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: some parts of the pipeline are missing or unreachable (see above)\n");
  CHECK_MESSAGE(has(r.out, "Queue:       " + dead_prefix + ":queue depth unknown (cannot reach Redis at " + dead_node),
                r.out);
  r = s.run({"--key-prefix", dead_prefix, "status", "-p", "prod", "-o", "json"});
  CHECK(r.code == 1);
  json doc = json::parse(r.out);
  CHECK(doc["queue"]["key"] == dead_prefix + ":queue");
  CHECK(doc["queue"]["depth"].is_null());
  CHECK(doc["queue"]["desired_workers"].is_null());
  CHECK(has(doc["queue"]["unknown"].get<std::string>(), dead_node));
  CHECK(doc["hpa"]["attached"] == true); // the rest of status is still there

  // status for a queue on a live node: its depth, though another node is down.
  r = s.run({"--key-prefix", alive_prefix, "status", "-p", "prod", "-o", "json"});
  doc = json::parse(r.out);
  CHECK(doc["queue"]["depth"] == 25);
  CHECK(doc["queue"]["desired_workers"] == 3);
  CHECK(!doc["queue"].contains("unknown"));

  // doctor: a failed Redis check naming the node and the queue; the other checks still run.
  checks = s.doctor(dead_prefix);
  REQUIRE(checks[0]["name"] == "redis");
  CHECK(checks[0]["status"] == "fail");
  const std::string message = checks[0]["message"];
  CHECK_MESSAGE(has(message, "(3 master(s), 2 answer; plaintext): node " + dead_node + " holding " + dead_prefix +
                                 ":queue does not answer, so that queue is unknown: cannot reach Redis at " + dead_node),
                message);
  CHECK(has(checks[0]["hint"].get<std::string>(), "CLUSTER FAILOVER"));
  CHECK(checks.size() > 5);
  CHECK(checks[1]["name"] == "exporter-deployment");

  // doctor for the queue on a live node: read, with a warning naming the node that is down.
  checks = s.doctor(alive_prefix);
  CHECK(checks[0]["status"] == "warn");
  CHECK_MESSAGE(has(checks[0]["message"].get<std::string>(),
                    alive_prefix + ":queue holds 25 tasks (on node " + alive_node +
                        "); node(s) not answering, their queues unknown: " + dead_node + " (cannot reach Redis at " +
                        dead_node),
                checks[0]["message"].get<std::string>());
}
