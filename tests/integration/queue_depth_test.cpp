// `graflowctl queue depth` against a real redis-server: output, auth, errors, --watch.
#include "harness.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using graflow::testing::graflowctl;
using graflow::testing::RedisServer;
using nlohmann::json;

namespace {
std::string port_of(const RedisServer& r) { return std::to_string(r.port()); }
} // namespace

TEST_CASE("depth of a real queue, text and json, with desired workers") {
  RedisServer redis;
  redis.push("graflow:queue", 100);
  auto text = graflowctl({"queue", "depth", "--redis-url", redis.url()});
  CHECK(text.code == 0);
  CHECK(text.err.empty());
  CHECK(text.out == "KEY PREFIX   KEY             DEPTH\ngraflow      graflow:queue   100\n");

  auto j = graflowctl({"queue", "depth", "--redis-url", redis.url(), "--profile", "prod", "-o", "json"});
  REQUIRE(j.code == 0);
  CHECK(json::parse(j.out) ==
        json::parse(R"({"queues":[{"queue":"graflow","layout":"graflow","key_prefix":"graflow","key":"graflow:queue",
                    "depth":100,"in_flight":null,"oldest_age_seconds":null,"desired_workers":10}]})"));

  auto dev = graflowctl({"queue", "depth", "--redis-url", redis.url(), "-p", "dev"});
  CHECK(dev.out == "KEY PREFIX   KEY             DEPTH   DESIRED WORKERS\ngraflow      graflow:queue   100     5\n");
}

TEST_CASE("several prefixes in one pipelined round trip; a missing key is 0") {
  RedisServer redis;
  redis.push("a:queue", 3);
  redis.push("b:queue", 250);
  redis.command({"CONFIG", "RESETSTAT"});
  auto r = graflowctl({"-vv", "queue", "depth", "--redis-url", redis.url(), "--key-prefix", "a", "--key-prefix", "b",
                       "--key-prefix", "missing", "-p", "prod", "-o", "json"});
  REQUIRE(r.code == 0);
  const auto doc = json::parse(r.out);
  REQUIRE(doc["queues"].size() == 3);
  CHECK(doc["queues"][0]["depth"] == 3);
  CHECK(doc["queues"][0]["desired_workers"] == 2);
  CHECK(doc["queues"][1]["depth"] == 250);
  CHECK(doc["queues"][1]["desired_workers"] == 20);
  CHECK(doc["queues"][2]["key"] == "missing:queue");
  CHECK(doc["queues"][2]["depth"] == 0);
  CHECK(r.err.find("3 command(s) in one round trip") != std::string::npos);
  // Redis saw exactly three LLENs and nothing else from graflowctl.
  const auto stats = redis.command({"INFO", "commandstats"});
  CHECK(stats.find("cmdstat_llen:calls=3,") != std::string::npos);
}

TEST_CASE("database number, KEY_PREFIX and GRAFLOW_REDIS_URL") {
  RedisServer redis;
  redis.push("tenant:queue", 7, 3);
  auto r = graflowctl({"queue", "depth", "-o", "json"},
                      graflow::testing::env({"GRAFLOW_REDIS_URL=" + redis.url(3), "KEY_PREFIX=tenant"}));
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out)["queues"][0]["depth"] == 7);
  CHECK(json::parse(r.out)["queues"][0]["key"] == "tenant:queue");
}

TEST_CASE("the seed's REDIS_HOST is honoured") {
  auto r = graflowctl({"queue", "depth", "--redis-timeout", "500ms"}, graflow::testing::env({"REDIS_HOST=127.0.0.2"}));
  CHECK(r.code == 1);
  CHECK(r.err.find("Redis at 127.0.0.2:6379") != std::string::npos);
}

TEST_CASE("requirepass: the right password works, a wrong one is a clear error that never shows it") {
  RedisServer redis(graflow::testing::with_password("s3cret-pw"));
  redis.push("graflow:queue", 5);
  auto ok = graflowctl({"queue", "depth", "--redis-url", redis.url(), "-o", "json"});
  REQUIRE(ok.code == 0);
  CHECK(json::parse(ok.out)["queues"][0]["depth"] == 5);

  const std::string wrong = "redis://:wr0ng-pw@127.0.0.1:" + port_of(redis);
  auto bad = graflowctl({"-vv", "queue", "depth", "--redis-url", wrong});
  CHECK(bad.code == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("graflowctl: error: Redis at 127.0.0.1:" + port_of(redis) + " rejected the credentials: WRONGPASS") !=
        std::string::npos);
  CHECK(bad.err.find("wr0ng-pw") == std::string::npos);

  auto none = graflowctl({"queue", "depth", "--redis-url", "redis://127.0.0.1:" + port_of(redis)});
  CHECK(none.code == 1);
  CHECK(none.err.find("requires a password: NOAUTH") != std::string::npos);
}

TEST_CASE("an ACL user authenticates with AUTH user password") {
  RedisServer redis(graflow::testing::with_acl_user("worker", "acl-pw-1"));
  redis.push("graflow:queue", 12);
  const std::string base = "127.0.0.1:" + port_of(redis);
  auto ok = graflowctl({"queue", "depth", "--redis-url", "redis://worker:acl-pw-1@" + base, "-o", "json"});
  REQUIRE(ok.code == 0);
  CHECK(json::parse(ok.out)["queues"][0]["depth"] == 12);
  auto bad = graflowctl({"queue", "depth", "--redis-url", "redis://worker:nope-pw@" + base});
  CHECK(bad.code == 1);
  CHECK(bad.err.find("rejected the credentials of user \"worker\": WRONGPASS") != std::string::npos);
  CHECK(bad.err.find("nope-pw") == std::string::npos);
}

TEST_CASE("the ACL user from --redis-user or $GRAFLOW_REDIS_USER, the password from elsewhere") {
  RedisServer redis(graflow::testing::with_acl_user("worker", "acl-pw-2"));
  redis.push("graflow:queue", 4);
  const std::string url = "redis://127.0.0.1:" + port_of(redis);
  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "pw", "acl-pw-2\n");
  const std::string pw = (dir / "pw").string();
  auto flag = graflowctl({"queue", "depth", "--redis-url", url, "--redis-user", "worker", "--redis-password-file", pw});
  CHECK_MESSAGE(flag.code == 0, flag.err);
  CHECK(flag.out.find("graflow:queue   4") != std::string::npos);
  auto from_env = graflowctl({"queue", "depth", "--redis-url", url},
                             graflow::testing::env({"GRAFLOW_REDIS_USER=worker", "GRAFLOW_REDIS_PASSWORD=acl-pw-2"}));
  CHECK_MESSAGE(from_env.code == 0, from_env.err);
  // The flag wins over the URL's user, the URL's over the environment's.
  auto wins = graflowctl({"queue", "depth", "--redis-url", "redis://nobody:acl-pw-2@127.0.0.1:" + port_of(redis),
                          "--redis-user", "worker"});
  CHECK_MESSAGE(wins.code == 0, wins.err);
  auto url_wins = graflowctl({"queue", "depth", "--redis-url", "redis://nobody:acl-pw-2@127.0.0.1:" + port_of(redis)},
                             graflow::testing::env({"GRAFLOW_REDIS_USER=worker"}));
  CHECK(url_wins.code == 1);
  CHECK(url_wins.err.rfind("graflowctl: error: Redis at 127.0.0.1:" + port_of(redis) +
                               " rejected the credentials of user \"nobody\": WRONGPASS",
                           0) == 0);
  CHECK(std::count(url_wins.err.begin(), url_wins.err.end(), '\n') == 1);
}

TEST_CASE("a key that is not a list names the key and its type") {
  RedisServer redis;
  redis.command({"HSET", "graflow:queue", "a", "1"});
  auto r = graflowctl({"queue", "depth", "--redis-url", redis.url()});
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: key graflow:queue at Redis 127.0.0.1:" + port_of(redis) +
                     " is not a list: it holds a hash (WRONGTYPE); wrong layout or wrong prefix? The graflow "
                     "layout expects a list there; check the key prefix (--key-prefix, keyPrefix) and the database "
                     "in the Redis URL\n");
}

TEST_CASE("connection refused names host and port") {
  const int port = graflow::testing::free_port();
  auto r = graflowctl({"queue", "depth", "--redis-url", "redis://127.0.0.1:" + std::to_string(port)});
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: cannot reach Redis at 127.0.0.1:" + std::to_string(port) +
                     ": connection refused\n");
}

TEST_CASE("connect timeout: a server whose accept queue is full") {
  // listen(fd, 0) with the queue filled: the kernel drops further SYNs, so connect hangs.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(fd, 0) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(c);
  }
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const auto start = std::chrono::steady_clock::now();
  auto r = graflowctl({"queue", "depth", "--redis-timeout", "300ms", "--redis-url", "redis://127.0.0.1:" + port});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: cannot reach Redis at 127.0.0.1:" + port + ": connection timed out after 300ms\n");
  CHECK(took < std::chrono::seconds(3));
  for (int c : fillers) {
    close(c);
  }
  close(fd);
}

TEST_CASE("a Redis that does not answer in time") {
  RedisServer redis;
  redis.command({"CLIENT", "PAUSE", "3000", "ALL"});
  auto r = graflowctl({"queue", "depth", "--redis-timeout", "300ms", "--redis-url", redis.url()});
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: Redis at 127.0.0.1:" + port_of(redis) +
                     " did not answer reading queue lengths within 300ms\n");
}

TEST_CASE("bad Redis URL and bad timeout are usage errors") {
  auto r = graflowctl({"queue", "depth", "--redis-url", "redis://:pw123@host:0"});
  CHECK(r.code == 2);
  CHECK(r.err.find("pw123") == std::string::npos);
  CHECK(r.err.find("the port must be a number from 1 to 65535") != std::string::npos);
  auto t = graflowctl({"queue", "depth", "--redis-timeout", "soon"});
  CHECK(t.code == 2);
  CHECK(t.err == "graflowctl: error: invalid --redis-timeout \"soon\": expected a duration such as 500ms, 2s, 5m or "
                 "1h30m\n");
  auto noun = graflowctl({"queue"});
  CHECK(noun.code == 2);
}

TEST_CASE("--watch refreshes until Ctrl-C and survives Redis going away") {
  RedisServer redis;
  redis.push("graflow:queue", 4);
  graflow::testing::Process p({graflow::testing::graflowctl_binary(), "queue", "depth", "--watch", "--interval",
                               "100ms", "-o", "json", "--redis-timeout", "300ms", "--redis-url", redis.url()});
  auto wait_for = [&](auto pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  wait_for([&] { return p.out().find("\"depth\":4") != std::string::npos; });
  redis.push("graflow:queue", 6);
  wait_for([&] { return p.out().find("\"depth\":10") != std::string::npos; });
  redis.stop();
  wait_for([&] { return p.err().find("cannot reach Redis") != std::string::npos; });
  redis.start();
  redis.push("graflow:queue", 2);
  wait_for([&] { return p.out().find("\"depth\":2") != std::string::npos; });
  p.signal(SIGINT);
  CHECK(p.wait(std::chrono::seconds(5)) == 130);
  CHECK(p.err().find("error: interrupted") == std::string::npos); // Ctrl-C is not an error to report
  // Every line of output is one complete JSON document.
  std::istringstream lines(p.out());
  std::string line;
  while (std::getline(lines, line)) {
    CHECK(json::parse(line).contains("queues"));
  }
}

TEST_CASE("--queue: other layouts beside --key-prefix, in one table, JSON with the documented keys") {
  RedisServer redis;
  redis.push("graflow:queue", 2);
  redis.push("jobs", 3);
  redis.command({"HSET", "bull:mail:meta", "paused", "1"});
  redis.push("bull:mail:wait", 4);
  auto j = graflowctl({"queue", "depth", "--redis-url", redis.url(), "--key-prefix", "graflow", "--queue", "list:jobs",
                       "--queue", "bullmq:mail", "-p", "dev", "-o", "json"});
  REQUIRE(j.code == 0);
  const json doc = json::parse(j.out);
  REQUIRE(doc["queues"].size() == 3);
  CHECK(doc["queues"][0]["key_prefix"] == "graflow");
  CHECK(doc["queues"][0]["depth"] == 2);
  CHECK(doc["queues"][1] == json::parse(R"({"queue":"jobs","layout":"list","key":"jobs","depth":3,"in_flight":null,
                                            "oldest_age_seconds":null,"desired_workers":1})"));
  CHECK(!doc["queues"][1].contains("key_prefix"));
  CHECK(doc["queues"][2]["layout"] == "bullmq");
  CHECK(doc["queues"][2]["key"] == "bull:mail:wait");
  CHECK(doc["queues"][2]["depth"] == 4);
  CHECK(doc["queues"][2]["in_flight"] == 0);
  CHECK(doc["queues"][2]["paused"] == true); // paused, not empty: its jobs stay in wait

  auto t = graflowctl({"queue", "depth", "--redis-url", redis.url(), "--queue", "list:jobs", "--queue", "bullmq:mail"});
  REQUIRE(t.code == 0);
  CHECK(t.out.rfind("QUEUE   LAYOUT   KEY              WAITING   IN FLIGHT   OLDEST AGE   PAUSED\n", 0) == 0);
  CHECK(t.out.find("\njobs    list     jobs             3         -           -            -\n") != std::string::npos);
}

TEST_CASE("a queue whose waiting count is unknown: what was read is printed, then exit 1") {
  RedisServer redis;
  redis.command({"XADD", "events", "*", "a", "1"});
  auto r = graflowctl({"queue", "depth", "--redis-url", redis.url(), "--queue", "list:jobs", "--queue",
                       "stream:events,group=nobody", "-o", "json"});
  CHECK(r.code == 1);
  const json doc = json::parse(r.out);
  REQUIRE(doc["queues"].size() == 2);
  CHECK(doc["queues"][0]["depth"] == 0);
  CHECK(doc["queues"][1]["depth"].is_null());
  CHECK(r.err.rfind("graflowctl: error: 1 of 2 queue(s) could not be read (queue events (stream events): ", 0) == 0);
}

TEST_CASE("a malformed --queue is a usage error naming it") {
  auto r = graflowctl({"queue", "depth", "--queue", "kafka:x"});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("graflowctl: error: --queue \"kafka:x\": ", 0) == 0);
}
