// redis+sentinel:// against real servers: a master, a replica and three sentinels
// (redis-server --sentinel). `queue depth` reads the master the sentinels name; the exporter
// (the real process, scraped over HTTP) follows a manual failover and a killed master without
// ever reporting a number read from a replica; a wrong master name, sentinel auth.
#include "exporter_process.hpp"
#include "harness.hpp"

#include <algorithm>
#include <csignal>
#include <functional>
#include <doctest/doctest.h>
#include <optional>
#include <set>
#include <thread>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::string key = "graflow:queue";

long long field(const std::string& flat, const std::string& name) {
  const auto at = flat.find(" " + name + " ");
  return at == std::string::npos ? -1 : std::atoll(flat.c_str() + at + name.size() + 2);
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

long long llen(const RedisServer& r) { return std::atoll(r.command({"LLEN", key}).c_str()); }

// A master with `depth` tasks, one replica of it, and three sentinels (quorum 2) that know
// the replica and each other. The replica is made writable and given 3 tasks of its own,
// so a number read from it is told apart from the master's.
struct Group {
  RedisServer master;
  std::optional<RedisServer> replica;
  std::vector<std::unique_ptr<SentinelServer>> sentinels;

  explicit Group(int depth, SentinelOptions extra = {}) {
    master.push(key, depth);
    RedisOptions ro;
    ro.extra_args = {"--replicaof", "127.0.0.1", std::to_string(master.port())};
    replica.emplace(ro);
    REQUIRE(eventually([&] { return replica->command({"INFO", "replication"}).find("master_link_status:up") !=
                                        std::string::npos &&
                                    llen(*replica) == depth; },
                       10s));
    replica->command({"CONFIG", "SET", "replica-read-only", "no"});
    replica->push(key, 3);
    REQUIRE(llen(*replica) == depth + 3);
    for (int i = 0; i < 3; ++i) {
      SentinelOptions o = extra;
      o.monitors = {{"mymaster", master.port(), 2}};
      sentinels.push_back(std::make_unique<SentinelServer>(o));
    }
    // Sentinels find replicas through the master's INFO and each other through hello
    // messages (every 2 s): wait for both, or a failover cannot start.
    for (const auto& s : sentinels) {
      REQUIRE(eventually([&] {
        const std::string m = s->command({"SENTINEL", "MASTER", "mymaster"});
        return field(m, "num-slaves") == 1 && field(m, "num-other-sentinels") == 2;
      }, 15s));
    }
  }

  [[nodiscard]] std::string url(const std::string& name = "mymaster") const {
    std::string hosts;
    for (const auto& s : sentinels) {
      hosts += (hosts.empty() ? "" : ",") + s->host_port();
    }
    return "redis+sentinel://" + hosts + "/" + name;
  }
};

// The depth on one /metrics page, nullopt when graflow_redis_up is 0 (then no depth may be
// there either).
std::optional<long long> scrape(const ExporterProcess& exporter) {
  const auto page = http(exporter.url("/metrics")).body;
  const auto up = sample_lines(page, "graflow_redis_up");
  const auto depth = sample_lines(page, "graflow_queue_depth");
  REQUIRE(up.size() == 1);
  if (up[0] == "graflow_redis_up 0") {
    CHECK(depth.empty());
    return std::nullopt;
  }
  REQUIRE(depth.size() == 1);
  return std::atoll(depth[0].substr(depth[0].rfind(' ') + 1).c_str());
}

} // namespace

TEST_CASE("queue depth through the sentinels reads the master, not the replica; a node that is not a master "
          "gives no number") {
  Group g(5);
  const auto r = graflowctl({"queue", "depth", "--redis-url", g.url(), "-o", "json"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("\"depth\": 5") != std::string::npos); // the replica holds 8

  // A sentinel that names the replica as master "wrong": ROLE says slave, so no number.
  SentinelOptions o;
  o.monitors = {{"wrong", g.replica->port(), 3}}; // quorum 3 of 1: it never fails over
  SentinelServer odd(o);
  const auto bad = graflowctl({"queue", "depth", "--redis-url", "redis+sentinel://" + odd.host_port() + "/wrong"});
  CHECK(bad.code == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("graflowctl: error: ") == 0);
  CHECK(bad.err.find("Redis at 127.0.0.1:" + std::to_string(g.replica->port()) +
                     " is not the master of wrong (ROLE says slave)") != std::string::npos);
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
}

TEST_CASE("a wrong master name: one clear error line, exit 1") {
  RedisServer master;
  SentinelOptions o;
  o.monitors = {{"mymaster", master.port(), 1}};
  SentinelServer s(o);
  const auto r = graflowctl({"queue", "depth", "--redis-url", "redis+sentinel://" + s.host_port() + "/nope"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("graflowctl: error: ") == 0);
  CHECK(r.err.find("no sentinel knows master nope (asked " + s.host_port() + ")") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  // A sentinel that is down is skipped: the next one answers.
  master.push(key, 2);
  const std::string dead = "127.0.0.1:" + std::to_string(free_port());
  const auto skip = graflowctl({"queue", "depth", "--redis-url", "redis+sentinel://" + dead + "," + s.host_port() +
                                "/mymaster", "-o", "json"});
  CHECK(skip.code == 0);
  CHECK(skip.out.find("\"depth\": 2") != std::string::npos);
  // None up: one line naming each.
  const auto none = graflowctl({"queue", "depth", "--redis-url", "redis+sentinel://" + dead + "/mymaster"});
  CHECK(none.code == 1);
  CHECK(none.err.find("graflowctl: error: no sentinel named master mymaster: ") == 0);
  CHECK(none.err.find(dead) != std::string::npos);
  CHECK(std::count(none.err.begin(), none.err.end(), '\n') == 1);
}

TEST_CASE("sentinels with a password: --redis-sentinel-password-file, $GRAFLOW_REDIS_SENTINEL_PASSWORD") {
  TempDir dir;
  write_text(dir / "sentinel-pass", "s3cret-sentinel\n");
  RedisServer master(with_password("redis-pass"));
  master.push(key, 4);
  SentinelOptions o;
  o.requirepass = "s3cret-sentinel";
  o.monitors = {{"mymaster", master.port(), 1}};
  // The sentinel must reach the master too, with its password.
  SentinelServer s(o);
  s.command({"SENTINEL", "SET", "mymaster", "auth-pass", "redis-pass"});
  const std::string url = "redis+sentinel://:redis-pass@" + s.host_port() + "/mymaster";

  const auto none = graflowctl({"queue", "depth", "--redis-url", url});
  CHECK(none.code == 1);
  CHECK(none.err.find("sentinel " + s.host_port() + " requires a password") != std::string::npos);
  CHECK(none.err.find("--redis-sentinel-password-file") != std::string::npos);

  const auto file = graflowctl({"--redis-sentinel-password-file", (dir / "sentinel-pass").string(), "queue", "depth",
                                "--redis-url", url, "-o", "json"});
  CHECK(file.code == 0);
  CHECK(file.out.find("\"depth\": 4") != std::string::npos);

  const auto from_env = graflowctl({"queue", "depth", "--redis-url", url, "-o", "json"},
                                   env({"GRAFLOW_REDIS_SENTINEL_PASSWORD=s3cret-sentinel"}));
  CHECK(from_env.code == 0);
  CHECK(from_env.out.find("\"depth\": 4") != std::string::npos);

  write_text(dir / "wrong", "nope\n");
  const auto wrong = graflowctl({"--redis-sentinel-password-file", (dir / "wrong").string(), "queue", "depth",
                                 "--redis-url", url});
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("rejected the credentials") != std::string::npos);
  for (const auto* out : {&none.err, &wrong.err}) {
    CHECK(out->find("s3cret") == std::string::npos);
    CHECK(out->find("redis-pass") == std::string::npos);
  }

  // A sentinel flag without a sentinel URL is a usage error.
  const auto misuse = graflowctl({"--redis-sentinel-user", "u", "queue", "depth", "--redis-url", master.url()});
  CHECK(misuse.code == 2);
  CHECK(misuse.err.find("--redis-sentinel-user needs a redis+sentinel:// URL") != std::string::npos);
}

TEST_CASE("SENTINEL FAILOVER while the exporter runs: never a replica's number, then the new master's") {
  Group g(5);
  ExporterProcess exporter({"--redis-url", g.url(), "--key-prefix", "graflow"});
  for (int i = 0; i < 3; ++i) {
    CHECK(scrape(exporter) == std::optional<long long>(5));
  }
  REQUIRE(eventually([&] { return g.sentinels[0]->command({"SENTINEL", "FAILOVER", "mymaster"}) == "OK"; }, 10s));

  // The promoted replica keeps its own 8; the test then pushes 4 more there (12), and the
  // old master, once a replica, is given 100 of its own: 12 tells the new master apart.
  // Until a sentinel converts it (8 s or more), the old master still answers ROLE master:
  // once every sentinel names the new one, or the new one was read, 5 must not come back.
  const std::string new_at = "127.0.0.1 " + std::to_string(g.replica->port());
  bool switched = false;
  std::set<long long> seen;
  bool wrote = false;
  std::optional<long long> last;
  const auto deadline = Clock::now() + 30s;
  while (Clock::now() < deadline) {
    switched = switched || std::all_of(g.sentinels.begin(), g.sentinels.end(), [&](const auto& s) {
                 return s->command({"SENTINEL", "get-master-addr-by-name", "mymaster"}) == new_at;
               });
    last = scrape(exporter);
    if (last) {
      seen.insert(*last);
      if (*last != 5) { // read from the promoted replica: it must be a master by now
        CHECK(g.replica->command({"ROLE"}).rfind("master", 0) == 0);
        switched = true;
      } else {
        CHECK_MESSAGE(!switched, "read the old master after the sentinels named the new one");
      }
    }
    if (!wrote && g.replica->command({"ROLE"}).rfind("master", 0) == 0 &&
        g.master.command({"ROLE"}).rfind("slave", 0) == 0 &&
        g.master.command({"INFO", "replication"}).find("master_link_status:up") != std::string::npos) {
      g.replica->push(key, 4);
      REQUIRE(eventually([&] { return llen(g.master) == llen(*g.replica); }, 5s));
      g.master.command({"CONFIG", "SET", "replica-read-only", "no"});
      g.master.push(key, 100);
      wrote = true;
    }
    if (wrote && last == llen(*g.replica)) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(wrote);
  const long long new_master = llen(*g.replica);
  CHECK(new_master == 12);
  CHECK(llen(g.master) == new_master + 100);
  CHECK(last == std::optional<long long>(new_master));
  // 5: the old master while it was master; 8: the new master before the push; 12: after.
  for (const long long v : seen) {
    CHECK_MESSAGE((v == 5 || v == 8 || v == 12), "scraped a depth no master held: " << v);
  }
  for (int i = 0; i < 3; ++i) {
    CHECK(scrape(exporter) == std::optional<long long>(new_master));
  }
}

TEST_CASE("the master is killed while the exporter runs: up 0, then the promoted replica's number") {
  Group g(5);
  ExporterProcess exporter({"--redis-url", g.url(), "--key-prefix", "graflow"});
  CHECK(scrape(exporter) == std::optional<long long>(5));
  ::kill(g.master.pid(), SIGKILL);

  std::set<long long> seen;
  bool down_seen = false;
  std::optional<long long> last;
  bool wrote = false;
  const auto deadline = Clock::now() + 25s;
  while (Clock::now() < deadline) {
    last = scrape(exporter);
    if (last) {
      seen.insert(*last);
      CHECK(g.replica->command({"ROLE"}).rfind("master", 0) == 0); // the old master is dead
    } else {
      down_seen = true;
    }
    if (!wrote && g.replica->command({"ROLE"}).rfind("master", 0) == 0) {
      g.replica->push(key, 4);
      wrote = true;
    }
    if (wrote && last == std::optional<long long>(12)) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  CHECK(down_seen);
  REQUIRE(wrote);
  CHECK(last == std::optional<long long>(12));
  for (const long long v : seen) {
    // 8: the new master before the push; 12: after.
    CHECK_MESSAGE((v == 8 || v == 12), "scraped a depth no master held: " << v);
  }
  CHECK(exporter.process().err().find("master mymaster") != std::string::npos);
}
