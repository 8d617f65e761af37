// Redis Cluster while it changes, against real redis-server masters (DESIGN.md §5a): a
// cluster over TLS (tls-cluster, tls-replication) read by `queue depth` and the exporter with
// rediss+cluster://; a slot holding a watched queue moved with `redis-cli --cluster reshard`
// while the exporter is scraped continuously (every sample right, never a wrong number); and
// /readyz following the nodes that hold watched queues.
#include "exporter_process.hpp"
#include "graflow/redis/cluster.hpp"
#include "harness.hpp"

#include <atomic>
#include <functional>
#include <csignal>
#include <doctest/doctest.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

using namespace graflow::testing;
namespace redis = graflow::redis;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A key prefix whose <prefix>:queue the cluster keeps on node `n`, starting the search at `from`.
std::string prefix_on(const RedisCluster& cluster, std::size_t n, int from = 0) {
  for (int i = from; i < from + 1000; ++i) {
    const std::string p = "team" + std::to_string(i);
    if (cluster.owner(p + ":queue") == n) {
      return p;
    }
  }
  FAIL("no prefix found for node " << n);
  return "";
}

void push(RedisCluster& cluster, const std::string& key, int count) {
  std::vector<std::string> cmd = {"RPUSH", key};
  for (int i = 0; i < count; ++i) {
    cmd.push_back("task-" + std::to_string(i));
  }
  const std::string length = cluster.command(cmd);
  REQUIRE_MESSAGE(length.rfind("ERR", 0) != 0, length);
}

// prefix -> depth on one /metrics page (only the samples present).
std::map<std::string, long long> depths(const std::string& page) {
  std::map<std::string, long long> out;
  for (const auto& line : sample_lines(page, "graflow_queue_depth")) {
    const auto open = line.find("key_prefix=\"") + 12;
    out[line.substr(open, line.find('"', open) - open)] = std::atoll(line.c_str() + line.rfind(' ') + 1);
  }
  return out;
}

bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (ok()) {
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return ok();
}

} // namespace

TEST_CASE("a cluster over TLS (tls-cluster, tls-replication): queue depth and the exporter with rediss+cluster://") {
  const TestCa ca;
  RedisCluster cluster(3, ca.redis(ca.server_cert()));
  std::vector<std::string> prefixes;
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    prefixes.push_back(prefix_on(cluster, n));
    push(cluster, prefixes.back() + ":queue", static_cast<int>(n) + 20);
  }
  std::vector<std::string> args = {"--redis-url", cluster.tls_url(), "--redis-ca-file", ca.ca().string(),
                                   "--redis-timeout", "2s"};
  for (const auto& p : prefixes) {
    args.insert(args.end(), {"--key-prefix", p});
  }

  std::vector<std::string> depth = {"queue", "depth", "-o", "json"};
  depth.insert(depth.end(), args.begin(), args.end());
  const auto r = graflowctl(depth);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["queues"].size() == 3);
  for (std::size_t n = 0; n < 3; ++n) {
    CHECK(doc["queues"][n]["depth"] == static_cast<long long>(n) + 20);
  }

  // Without the CA the slot map is never read: a certificate error, exit 1.
  std::vector<std::string> no_ca = {"queue", "depth", "--redis-url", cluster.tls_url(), "--key-prefix", prefixes[0]};
  const auto refused = graflowctl(no_ca);
  CHECK(refused.code == 1);
  CHECK(refused.err.rfind("graflowctl: error: no node of Redis cluster ", 0) == 0);
  CHECK(refused.err.find("signed by an unknown CA") != std::string::npos);

  ExporterProcess exporter(args);
  auto page = http(exporter.url("/metrics")).body;
  CHECK_MESSAGE(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"}, page);
  CHECK(depths(page) == std::map<std::string, long long>{{prefixes[0], 20}, {prefixes[1], 21}, {prefixes[2], 22}});
  // The nodes are the TLS ports the slot map gave (tls-port of CLUSTER SHARDS).
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    const std::string line = "graflow_redis_node_up{node=\"127.0.0.1:" + std::to_string(cluster.node(n).tls_port()) + "\"} 1";
    CHECK_MESSAGE(page.find(line) != std::string::npos, page);
  }
  CHECK(http(exporter.url("/readyz")).status == 200);

  // A slot moved under the running exporter: MOVED over TLS names the TLS port.
  const std::string key = prefixes[0] + ":queue";
  const std::string slot = std::to_string(redis::key_slot(key));
  REQUIRE(cluster.node(1).command({"CLUSTER", "SETSLOT", slot, "IMPORTING", cluster.id(0)}) == "OK");
  REQUIRE(cluster.node(0).command({"CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.id(1)}) == "OK");
  // MIGRATE itself goes over TLS with tls-cluster: to the TLS port.
  REQUIRE(cluster.node(0).command({"MIGRATE", "127.0.0.1", std::to_string(cluster.node(1).tls_port()), "", "0", "5000",
                                   "KEYS", key}) == "OK");
  page = http(exporter.url("/metrics")).body; // ASK, followed over TLS
  CHECK(depths(page)[prefixes[0]] == 20);
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    REQUIRE(cluster.node(n).command({"CLUSTER", "SETSLOT", slot, "NODE", cluster.id(1)}) == "OK");
  }
  push(cluster, key, 1); // now 21, on node 1
  page = http(exporter.url("/metrics")).body; // MOVED, map relearned over TLS
  const std::map<std::string, long long> after = {{prefixes[0], 21}, {prefixes[1], 21}, {prefixes[2], 22}};
  CHECK_MESSAGE(depths(page) == after, page);
  CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
}

TEST_CASE("redis-cli --cluster reshard moves the slot of a watched queue while the exporter is scraped: never a wrong number") {
  RedisCluster cluster;
  const std::size_t from = 0;
  const std::size_t to = 1;
  // A queue in one of slots 0..99: `--cluster create` gives the first node slots 0..5460, and
  // reshard moves a node's slots from its lowest, so --cluster-slots 100 takes this one.
  std::string moving;
  for (int i = 0; i < 100000 && moving.empty(); ++i) {
    const std::string p = "shard" + std::to_string(i);
    if (redis::key_slot(p + ":queue") < 100 && cluster.owner(p + ":queue") == from) {
      moving = p;
    }
  }
  REQUIRE(!moving.empty());
  const std::string staying = prefix_on(cluster, 2);
  push(cluster, moving + ":queue", 17);
  push(cluster, staying + ":queue", 9);

  ExporterProcess exporter({"--redis-url", cluster.url(), "--redis-timeout", "2s", "--key-prefix", moving,
                            "--key-prefix", staying});
  const std::map<std::string, long long> expected = {{moving, 17}, {staying, 9}};
  REQUIRE(depths(http(exporter.url("/metrics")).body) == expected);

  std::atomic<bool> done{false};
  std::mutex mu;
  int scrapes = 0;
  int gaps = 0; // scrapes with graflow_redis_up 0 (no number: allowed, but counted)
  std::vector<std::string> wrong;
  std::thread scraper([&] {
    auto client = graflow::net::make_curl_client({});
    while (!done.load()) {
      const auto response = http(*client, exporter.url("/metrics"));
      const std::lock_guard<std::mutex> lock(mu);
      ++scrapes;
      if (response.status != 200) {
        wrong.push_back("status " + std::to_string(response.status));
        continue;
      }
      const auto seen = depths(response.body);
      const bool up = sample_lines(response.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"};
      if (!up) {
        ++gaps;
      }
      for (const auto& [prefix, value] : seen) {
        if (expected.at(prefix) != value) {
          wrong.push_back(prefix + "=" + std::to_string(value));
        }
      }
      if (up && seen != expected) {
        wrong.push_back("up 1 without every depth: " + response.body);
      }
    }
  });
  const auto started = Clock::now();
  const auto reshard = run({"redis-cli", "--cluster", "reshard", "127.0.0.1:" + std::to_string(cluster.node(from).port()),
                            "--cluster-from", cluster.id(from), "--cluster-to", cluster.id(to), "--cluster-slots", "100",
                            "--cluster-yes"},
                           {}, 120s);
  const auto took = Clock::now() - started;
  std::this_thread::sleep_for(300ms); // a few scrapes after the move too
  done = true;
  scraper.join();
  REQUIRE_MESSAGE(reshard.code == 0, reshard.out << reshard.err);
  CHECK(cluster.owner(moving + ":queue") == to); // the slot did move
  MESSAGE("reshard of 100 slots took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                       << " ms; " << scrapes << " scrapes, " << gaps << " without a number");
  CHECK(scrapes > 10);
  CHECK_MESSAGE(wrong.empty(), (wrong.empty() ? std::string() : wrong.front()));
  // Afterwards: read from the new owner, and a change there shows.
  push(cluster, moving + ":queue", 3);
  CHECK(eventually([&] { return depths(http(exporter.url("/metrics")).body)[moving] == 20; }, 5s));
}

TEST_CASE("cluster /readyz: 503 while a node holding a watched queue is down, 200 with only others down and after") {
  RedisCluster cluster;
  // Watched queues on nodes 0 and 2; node 1 holds none of them.
  const std::string on0 = prefix_on(cluster, 0);
  const std::string on2 = prefix_on(cluster, 2);
  push(cluster, on0 + ":queue", 4);
  push(cluster, on2 + ":queue", 6);
  ExporterProcess exporter({"--redis-url", cluster.url(), "--redis-timeout", "1s", "--key-prefix", on0,
                            "--key-prefix", on2});
  CHECK(http(exporter.url("/readyz")).status == 200);

  REQUIRE(::kill(cluster.node(1).pid(), SIGKILL) == 0);
  std::this_thread::sleep_for(100ms);
  for (int i = 0; i < 3; ++i) {
    const auto page = http(exporter.url("/metrics")).body;
    CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
    CHECK(depths(page) == std::map<std::string, long long>{{on0, 4}, {on2, 6}});
    CHECK(http(exporter.url("/readyz")).status == 200);
  }

  // Node 1 back first: with two of three masters gone, node 0 would be in a minority and
  // refuse every read (cluster_state:fail), which is not what this part checks.
  cluster.node(1).stop(); // reaps the killed process
  cluster.node(1).start();
  cluster.wait_ok();
  cluster.node(2).stop();
  const auto down = http(exporter.url("/readyz"));
  CHECK(down.status == 503);
  CHECK(down.body.find("127.0.0.1:" + std::to_string(cluster.node(2).port())) != std::string::npos);
  CHECK(depths(http(exporter.url("/metrics")).body) == std::map<std::string, long long>{{on0, 4}});

  cluster.node(2).start(); // same port, its nodes.conf: it rejoins as the owner of its slots
  cluster.wait_ok();
  CHECK(eventually([&] { return http(exporter.url("/readyz")).status == 200; }, 15s));
  CHECK(depths(http(exporter.url("/metrics")).body) == std::map<std::string, long long>{{on0, 4}, {on2, 0}});
}
