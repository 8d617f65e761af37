// Redis Cluster (DESIGN.md §5a) against three real redis-server masters joined with
// `redis-cli --cluster create`: queues of several layouts on all three nodes read with one
// pipelined round trip per node (counted by each server); a slot migrated (ASK) and then
// moved (MOVED) between reads of the same store; one node killed: only its queues unknown,
// in read_queues, in `queue depth` (exit 1) and in the exporter's /metrics.
#include "exporter_process.hpp"
#include "graflow/queues/layouts.hpp"
#include "graflow/queues/spec.hpp"
#include "graflow/redis/cluster.hpp"
#include "graflow/redis/connect.hpp"
#include "graflow/redis/url.hpp"
#include "harness.hpp"

#include <algorithm>
#include <csignal>
#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

using graflow::queues::parse_queue_spec;
using graflow::queues::QueueSpec;
using graflow::testing::ExporterProcess;
using graflow::testing::RedisCluster;
using graflow::testing::RedisProbe;
using graflow::testing::sample_lines;
namespace redis = graflow::redis;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<redis::ClusterStore> connect(const RedisCluster& cluster) {
  auto store = redis::connect(redis::parse_url(cluster.url()), 2s);
  auto* raw = dynamic_cast<redis::ClusterStore*>(store.get());
  REQUIRE(raw != nullptr);
  store.release();
  return std::unique_ptr<redis::ClusterStore>(raw);
}

// Keys named `stem`N, `per_node` of them on each node (the slot decides, so we pick names).
std::vector<std::string> keys_on_every_node(const RedisCluster& cluster, const std::string& stem, int per_node) {
  std::vector<std::string> out;
  std::map<std::size_t, int> count;
  for (int i = 0; out.size() < cluster.size() * static_cast<std::size_t>(per_node) && i < 1000; ++i) {
    const std::string key = stem + std::to_string(i);
    if (int& n = count[cluster.owner(key)]; n < per_node) {
      ++n;
      out.push_back(key);
    }
  }
  REQUIRE(out.size() == cluster.size() * static_cast<std::size_t>(per_node));
  return out;
}

void push(const RedisCluster& cluster, const std::string& key, int count) {
  std::vector<std::string> cmd = {"RPUSH", key};
  for (int i = 0; i < count; ++i) {
    cmd.push_back("task-" + std::to_string(i));
  }
  const std::string length = cluster.command(cmd);
  REQUIRE_MESSAGE(length.rfind("ERR", 0) != 0, length);
}

long long reads(RedisProbe& probe) { return graflow::testing::info_field(probe.command({"INFO", "stats"}), "total_reads_processed"); }

// The last column of the table row that shows `key`.
std::string row(const std::string& table, const std::string& key) {
  const auto at = table.find(" " + key + " ");
  if (at == std::string::npos) {
    return "(no row)";
  }
  const auto end = table.find('\n', at);
  const std::string line = table.substr(at, end - at);
  return line.substr(line.find_last_of(' ') + 1);
}

// Key prefixes whose <prefix>:queue is on each node, in node order.
std::vector<std::string> prefix_per_node(const RedisCluster& cluster) {
  std::vector<std::string> prefixes;
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    for (int i = 0; i < 1000; ++i) {
      const std::string p = "team" + std::to_string(i);
      if (cluster.owner(p + ":queue") == n) {
        prefixes.push_back(p);
        break;
      }
    }
  }
  REQUIRE(prefixes.size() == cluster.size());
  return prefixes;
}

// The Redis flags of queue depth and the exporter for `prefixes` on `cluster`.
std::vector<std::string> cluster_args(const RedisCluster& cluster, const std::vector<std::string>& prefixes) {
  std::vector<std::string> args = {"--redis-url", cluster.url(), "--redis-timeout", "1s"};
  for (const auto& p : prefixes) {
    args.insert(args.end(), {"--key-prefix", p});
  }
  return args;
}

} // namespace

TEST_CASE("queues of several layouts on three nodes: one pipelined round trip per node, values right") {
  RedisCluster cluster;

  // CRC16 slots (hash tags too) agree with the server's own.
  for (const std::string key : {"foo", "graflow:queue", "{user1000}.following", "{user1000}.followers", "a{}b", "{}x",
                                "x{y}z", "celery\x06\x16" "3", "queue:default", ""}) {
    CHECK_MESSAGE(redis::key_slot(key) == std::stoi(cluster.node(0).command({"CLUSTER", "KEYSLOT", key})), key);
  }

  const auto lists = keys_on_every_node(cluster, "jobs-", 2);
  std::vector<QueueSpec> specs;
  std::vector<long long> expected;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    push(cluster, lists[i], static_cast<int>(i) + 1);
    specs.push_back(parse_queue_spec("list:" + lists[i]));
    expected.push_back(static_cast<long long>(i) + 1);
  }
  for (const std::string prefix : {"alpha", "beta", "gamma"}) {
    push(cluster, prefix + ":queue", 4);
    specs.push_back(graflow::queues::graflow_queue(prefix));
    expected.push_back(4);
  }
  for (int i = 0; i < 5; ++i) {
    cluster.command({"XADD", "events", "*", "n", std::to_string(i)});
  }
  specs.push_back(parse_queue_spec("stream:events"));
  expected.push_back(5);
  // Keys beyond argv[1]: XINFO GROUPS key (Celery's unacked hash is read by argv[1] now).
  REQUIRE(cluster.command({"XGROUP", "CREATE", "events", "workers", "0"}) == "OK");
  specs.push_back(parse_queue_spec("stream:events,group=workers,id=events-workers"));
  expected.push_back(5);
  push(cluster, "mail", 2);
  push(cluster, "mail\x06\x16" "3", 1);
  specs.push_back(parse_queue_spec("celery:mail"));
  expected.push_back(3);
  cluster.command({"LPUSH", "queue:mailers", R"({"class":"Mail","enqueued_at":1700000000.5})"});
  cluster.command({"LPUSH", "queue:mailers", R"({"class":"Mail","enqueued_at":1700000001.5})"});
  specs.push_back(parse_queue_spec("sidekiq:mailers"));
  expected.push_back(2);
  cluster.command({"ZADD", "delayed", "1", "a", "2", "b", "3", "c"});
  specs.push_back(parse_queue_spec("zset:delayed"));
  expected.push_back(3);

  auto store = connect(cluster);
  std::vector<std::unique_ptr<RedisProbe>> probes;
  std::vector<long long> before;
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    probes.push_back(std::make_unique<RedisProbe>(cluster.node(n).port()));
    before.push_back(reads(*probes.back()));
  }

  // One batch of LLENs over every node: each server reads exactly one request.
  std::vector<redis::Command> llens;
  for (const auto& key : lists) {
    llens.push_back({"LLEN", key});
  }
  const auto replies = store->pipeline(llens, "reading queue lengths");
  REQUIRE(replies.size() == lists.size());
  for (std::size_t i = 0; i < lists.size(); ++i) {
    CHECK(replies[i].integer == static_cast<long long>(i) + 1);
  }
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    const long long now = reads(*probes[n]);
    CHECK_MESSAGE(now - before[n] - 1 == 1, "node " << n);
    before[n] = now;
  }

  // Every layout: at most the two pipelined phases per node, values as written.
  const auto readings = graflow::queues::read_queues(*store, specs, std::chrono::system_clock::now());
  REQUIRE(readings.size() == specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    INFO(specs[i].id);
    REQUIRE(readings[i].waiting.has_value());
    CHECK(*readings[i].waiting == expected[i]);
  }
  CHECK(readings.back().waiting == 3);
  const auto& sidekiq = readings[readings.size() - 2];
  CHECK(sidekiq.in_flight == 0);
  REQUIRE(sidekiq.oldest_age_seconds.has_value());
  CHECK(*sidekiq.oldest_age_seconds > 1e6); // the job at -1, enqueued in 2023
  CHECK(readings[readings.size() - 3].in_flight == 0); // celery: nothing in the unacked hash
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    CHECK_MESSAGE(reads(*probes[n]) - before[n] - 1 <= 2, "node " << n);
  }
  const auto nodes = store->nodes();
  CHECK(nodes.size() == 3);
  CHECK(std::all_of(nodes.begin(), nodes.end(), [](const auto& s) { return s.up; }));
  CHECK(store->map_refreshes() == 1);
}

TEST_CASE("a slot migrating (ASK) and then moved (MOVED) while the same store keeps reading") {
  RedisCluster cluster;
  const std::string key = "moving:queue";
  push(cluster, key, 7);
  const std::size_t from = cluster.owner(key);
  const std::size_t to = (from + 1) % cluster.size();
  const std::string other = keys_on_every_node(cluster, "still-", 1).at((from + 2) % cluster.size());
  push(cluster, other, 3);
  const std::string slot = std::to_string(redis::key_slot(key));

  auto store = connect(cluster);
  const auto read = [&] {
    auto r = store->lengths({key, other});
    return std::make_pair(r.at(0), r.at(1));
  };
  CHECK(read() == std::make_pair(7LL, 3LL));

  REQUIRE(cluster.node(to).command({"CLUSTER", "SETSLOT", slot, "IMPORTING", cluster.id(from)}) == "OK");
  REQUIRE(cluster.node(from).command({"CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.id(to)}) == "OK");
  CHECK(read() == std::make_pair(7LL, 3LL)); // the key is still on the old node
  REQUIRE(cluster.node(from).command({"MIGRATE", "127.0.0.1", std::to_string(cluster.node(to).port()), "", "0", "5000",
                                      "KEYS", key}) == "OK");
  // The old node answers ASK: followed once with ASKING, the map is not relearned.
  CHECK(cluster.node(from).command({"LLEN", key}).rfind("ERR:ASK", 0) == 0);
  CHECK(read() == std::make_pair(7LL, 3LL));
  CHECK(store->map_refreshes() == 1);

  for (std::size_t n = 0; n < cluster.size(); ++n) {
    REQUIRE(cluster.node(n).command({"CLUSTER", "SETSLOT", slot, "NODE", cluster.id(to)}) == "OK");
  }
  CHECK(cluster.node(from).command({"LLEN", key}).rfind("ERR:MOVED", 0) == 0);
  push(cluster, key, 2); // 7 + 2, now on the new node
  CHECK(read() == std::make_pair(9LL, 3LL)); // MOVED: map relearned, retried there
  CHECK(store->map_refreshes() == 2);
  CHECK(read() == std::make_pair(9LL, 3LL)); // straight to the new owner now
  CHECK(store->map_refreshes() == 2);
}

TEST_CASE("one node killed: only its queues unknown; queue depth exits 1; the exporter shows which node") {
  RedisCluster cluster;
  const auto prefixes = prefix_per_node(cluster);
  for (std::size_t n = 0; n < prefixes.size(); ++n) {
    push(cluster, prefixes[n] + ":queue", static_cast<int>(n) + 10);
  }
  const auto args = cluster_args(cluster, prefixes);
  ExporterProcess exporter(args);
  auto page = graflow::testing::http(exporter.url("/metrics")).body;
  CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
  CHECK(sample_lines(page, "graflow_queue_depth").size() == 3);
  CHECK(sample_lines(page, "graflow_redis_node_up").size() == 3);

  const std::size_t dead = 1;
  const std::string dead_node = "127.0.0.1:" + std::to_string(cluster.node(dead).port());
  REQUIRE(::kill(cluster.node(dead).pid(), SIGKILL) == 0);
  std::this_thread::sleep_for(100ms);

  // The library: the other nodes' queues read, the dead one's unknown with the reason.
  auto store = connect(cluster);
  std::vector<QueueSpec> specs;
  for (const auto& p : prefixes) {
    specs.push_back(graflow::queues::graflow_queue(p));
  }
  const auto readings = graflow::queues::read_queues(*store, specs, std::chrono::system_clock::now());
  CHECK(readings[0].waiting == 10);
  CHECK(!readings[1].waiting.has_value());
  CHECK(readings[1].waiting_unknown.find(dead_node) != std::string::npos);
  CHECK(readings[2].waiting == 12);
  for (const auto& s : store->nodes()) {
    CHECK_MESSAGE(s.up == (s.endpoint != dead_node), s.endpoint);
  }

  // queue depth: prints what it read, marks the rest unknown, exits 1 with one error line.
  std::vector<std::string> depth = {"queue", "depth"};
  depth.insert(depth.end(), args.begin(), args.end());
  auto r = graflow::testing::graflowctl(depth);
  CHECK(r.code == 1);
  CHECK(row(r.out, prefixes[0] + ":queue") == "10");
  CHECK(row(r.out, prefixes[2] + ":queue") == "12");
  CHECK(row(r.out, prefixes[1] + ":queue") == "unknown");
  CHECK(r.err.rfind("graflowctl: error: 1 of 3 queue(s) could not be read (queue " + prefixes[1] + " (graflow " +
                         prefixes[1] + ":queue): ", 0) == 0);
  CHECK(r.err.find(dead_node) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  depth.insert(depth.end(), {"-o", "json"});
  r = graflow::testing::graflowctl(depth);
  CHECK(r.code == 1);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["queues"].size() == 3);
  CHECK(doc["queues"][0]["depth"] == 10);
  CHECK(doc["queues"][1]["depth"].is_null());
  CHECK(doc["queues"][2]["depth"] == 12);

  // The exporter: no sample for the dead node's queue, graflow_redis_up 0, which node.
  page = graflow::testing::http(exporter.url("/metrics")).body;
  CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  const auto depths = sample_lines(page, "graflow_queue_depth");
  CHECK(depths == std::vector<std::string>{"graflow_queue_depth{key_prefix=\"" + prefixes[0] + "\"} 10",
                                           "graflow_queue_depth{key_prefix=\"" + prefixes[2] + "\"} 12"});
  const auto node_up = sample_lines(page, "graflow_redis_node_up");
  CHECK(node_up.size() == 3);
  CHECK(std::count(node_up.begin(), node_up.end(), "graflow_redis_node_up{node=\"" + dead_node + "\"} 0") == 1);
  CHECK(std::count_if(node_up.begin(), node_up.end(), [](const auto& l) { return l.back() == '1'; }) == 2);
  CHECK(graflow::testing::http(exporter.url("/readyz")).status == 503);
}

TEST_CASE("a watched queue's slot unserved (CLUSTERDOWN): its queue unknown, the others read, graflow_redis_up 0") {
  RedisCluster cluster;
  const auto prefixes = prefix_per_node(cluster);
  for (std::size_t n = 0; n < prefixes.size(); ++n) {
    push(cluster, prefixes[n] + ":queue", static_cast<int>(n) + 10);
    // Only the unserved slot fails, not the whole cluster.
    REQUIRE(cluster.node(n).command({"CONFIG", "SET", "cluster-require-full-coverage", "no"}) == "OK");
  }
  const auto args = cluster_args(cluster, prefixes);
  ExporterProcess exporter(args);
  auto page = graflow::testing::http(exporter.url("/metrics")).body;
  REQUIRE(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});

  // The slot of prefixes[1]'s queue taken from every node's map: its owner answers
  // "CLUSTERDOWN Hash slot not served" (the exporter's map), a fresh map has no owner.
  const std::string key = prefixes[1] + ":queue";
  const std::string slot = std::to_string(redis::key_slot(key));
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    (void)cluster.node(n).command({"CLUSTER", "DELSLOTS", slot}); // ERR where the node does not own it
  }
  std::string answer;
  for (int i = 0; i < 100 && answer.rfind("ERR:CLUSTERDOWN", 0) != 0; ++i) { // the harness marks errors "ERR:"
    answer = cluster.node(1).command({"LLEN", key});
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE_MESSAGE(answer.rfind("ERR:CLUSTERDOWN", 0) == 0, answer);

  page = graflow::testing::http(exporter.url("/metrics")).body;
  CHECK_MESSAGE(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"}, page);
  CHECK(sample_lines(page, "graflow_queue_depth") ==
        std::vector<std::string>{"graflow_queue_depth{key_prefix=\"" + prefixes[0] + "\"} 10",
                                 "graflow_queue_depth{key_prefix=\"" + prefixes[2] + "\"} 12"});
  const auto node_up = sample_lines(page, "graflow_redis_node_up");
  CHECK(std::count_if(node_up.begin(), node_up.end(), [](const auto& l) { return l.back() == '1'; }) == 3);
  CHECK(graflow::testing::http(exporter.url("/readyz")).status == 503);

  // queue depth, with a map learnt now: the queue unknown, the reason, exit 1.
  std::vector<std::string> depth = {"queue", "depth"};
  depth.insert(depth.end(), args.begin(), args.end());
  const auto r = graflow::testing::graflowctl(depth);
  CHECK(r.code == 1);
  CHECK(row(r.out, prefixes[0] + ":queue") == "10");
  CHECK(row(r.out, key) == "unknown");
  CHECK_MESSAGE(r.err.find("CLUSTERDOWN") != std::string::npos, r.err);
}
