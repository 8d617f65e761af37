// `graflowctl exporter` as a process against a real redis-server: routes, the one round
// trip per scrape, Redis away/slow/back, passwords, signals, usage errors.
#include "exporter_process.hpp"
#include "harness.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <future>
#include <thread>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::string exposition = "text/plain; version=0.0.4; charset=utf-8";

std::vector<std::string> depth_lines(const std::string& page) { return sample_lines(page, "graflow_queue_depth"); }

ProcessOptions with_env(std::vector<std::string> env) {
  ProcessOptions o;
  o.env = std::move(env);
  return o;
}

} // namespace

TEST_CASE("/metrics shows every prefix's depth, a missing list as 0, with the exposition content type") {
  RedisServer redis;
  redis.push("graflow:queue", 7);
  redis.push("tenant-b:queue", 120);
  ExporterProcess exporter({"--redis-url", redis.url(), "--key-prefix", "graflow", "--key-prefix", "tenant-b",
                            "--key-prefix", "missing"});
  const auto r = http(exporter.url("/metrics"));
  CHECK(r.status == 200);
  CHECK(r.headers.at("content-type") == exposition);
  CHECK(depth_lines(r.body) == std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 7)",
                                                        R"(graflow_queue_depth{key_prefix="tenant-b"} 120)",
                                                        R"(graflow_queue_depth{key_prefix="missing"} 0)"});
  CHECK(sample_lines(r.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
  CHECK(sample_lines(r.body, "graflow_build_info") ==
        std::vector<std::string>{"graflow_build_info{version=\"" GRAFLOW_VERSION "\"} 1"});
  CHECK(r.body.find("# TYPE graflow_exporter_scrape_errors_total counter\n") != std::string::npos);
  CHECK(r.body.find("# TYPE graflow_exporter_scrape_duration_seconds gauge\n") != std::string::npos);
  CHECK(exporter.process().err().find("exporter listening on 127.0.0.1:" + std::to_string(exporter.port())) !=
        std::string::npos);
}

TEST_CASE("/healthz, /readyz, HEAD, 404 and 405") {
  RedisServer redis;
  ExporterProcess exporter({"--redis-url", redis.url()});
  auto client = graflow::net::make_curl_client({});
  CHECK(http(*client, exporter.url("/healthz")).status == 200);
  CHECK(http(*client, exporter.url("/healthz")).body == "ok\n");
  CHECK(http(*client, exporter.url("/readyz")).status == 200);

  const auto head = http(*client, exporter.url("/metrics"), "HEAD");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers.at("content-type") == exposition);
  const auto get = http(*client, exporter.url("/metrics"));
  CHECK(std::stoul(head.headers.at("content-length")) > 500);

  for (const char* path : {"/", "/metrics/", "/metricsx", "/debug/pprof", "/healthz/live"}) {
    CAPTURE(path);
    const auto r = http(*client, exporter.url(path));
    CHECK(r.status == 404);
    CHECK(r.body == "404 page not found\n");
  }
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    CAPTURE(method);
    const auto r = http(*client, exporter.url("/metrics"), method);
    CHECK(r.status == 405);
    CHECK(r.headers.at("allow") == "GET, HEAD");
  }
  // A POST with a body is read in full: the same keep-alive connection still works after it.
  graflow::net::HttpRequest post;
  post.method = "POST";
  post.url = exporter.url("/readyz");
  post.headers = {{"Content-Type", "application/octet-stream"}};
  post.body = std::string(100'000, 'x');
  CHECK(client->send(post).status == 405);
  CHECK(http(*client, exporter.url("/metrics")).status == 200);

  redis.stop();
  CHECK(http(*client, exporter.url("/healthz")).status == 200);
  const auto ready = http(*client, exporter.url("/readyz"));
  CHECK(ready.status == 503);
  CHECK(ready.body.find("not ready: ") == 0);
  CHECK(ready.body.find("127.0.0.1:" + std::to_string(redis.port())) != std::string::npos);
  CHECK(get.status == 200);
}

TEST_CASE("one pipelined Redis round trip per scrape, whatever the number of prefixes") {
  RedisServer redis;
  std::vector<std::string> args = {"--redis-url", redis.url()};
  for (int i = 0; i < 10; ++i) {
    redis.push("p" + std::to_string(i) + ":queue", i);
    args.insert(args.end(), {"--key-prefix", "p" + std::to_string(i)});
  }
  ExporterProcess exporter(args);
  REQUIRE(http(exporter.url("/metrics")).status == 200); // connected (the handshake is done)

  RedisProbe probe(redis.port());
  const std::string before = probe.command({"INFO", "stats", "commandstats"});
  const auto r = http(exporter.url("/metrics"));
  const std::string after = probe.command({"INFO", "stats", "commandstats"});
  REQUIRE(r.status == 200);
  CHECK(depth_lines(r.body).size() == 10);
  CHECK(depth_lines(r.body)[9] == R"(graflow_queue_depth{key_prefix="p9"} 9)");
  // Ten LLENs and nothing else...
  CHECK(info_field(after, "cmdstat_llen") - info_field(before, "cmdstat_llen") == 10);
  CHECK(info_field(after, "total_commands_processed") - info_field(before, "total_commands_processed") ==
        10 + 1); // + the probe's first INFO
  // ...which Redis read from the exporter's socket in one go: the scrape cost one read
  // (the other is the probe's second INFO).
  CHECK(info_field(after, "total_reads_processed") - info_field(before, "total_reads_processed") == 2);
  CHECK(info_field(after, "total_writes_processed") - info_field(before, "total_writes_processed") == 1 + 1);
}

TEST_CASE("Redis away: 200 with graflow_redis_up 0 and no depth; back: recovers without a restart") {
  RedisServer redis;
  redis.push("graflow:queue", 4);
  ExporterProcess exporter({"--redis-url", redis.url()});
  CHECK(depth_lines(http(exporter.url("/metrics")).body) ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 4)"});

  redis.stop();
  for (int i = 1; i <= 3; ++i) {
    const auto start = Clock::now();
    const auto r = http(exporter.url("/metrics"));
    CHECK(Clock::now() - start < 1s);
    CHECK(r.status == 200);
    CHECK(depth_lines(r.body).empty());
    CHECK(sample_lines(r.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
    CHECK(sample_lines(r.body, "graflow_exporter_scrape_errors_total") ==
          std::vector<std::string>{"graflow_exporter_scrape_errors_total " + std::to_string(i)});
  }
  const std::string endpoint = "127.0.0.1:" + std::to_string(redis.port());
  // Logged once, naming Redis and what the exporter does about it.
  const std::string err = exporter.process().err();
  CHECK(err.find("Redis at " + endpoint) != std::string::npos);
  CHECK(err.find("(graflow_redis_up is 0 until Redis answers; retrying at the next scrape)\n") != std::string::npos);

  redis.start(); // same port, empty (no persistence)
  redis.push("graflow:queue", 2);
  std::vector<std::string> lines;
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    lines = depth_lines(http(exporter.url("/metrics")).body);
    if (!lines.empty()) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  CHECK(lines == std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 2)"});
  CHECK(exporter.process().running());
  CHECK(exporter.process().err().find("reading 1 queue(s) from Redis at " + endpoint) != std::string::npos);
}

TEST_CASE("a hung Redis costs a scrape at most --scrape-timeout, then it recovers") {
  RedisServer redis;
  redis.push("graflow:queue", 3);
  ExporterProcess exporter({"--redis-url", redis.url(), "--scrape-timeout", "300ms"});
  REQUIRE(depth_lines(http(exporter.url("/metrics")).body).size() == 1);

  ::kill(redis.pid(), SIGSTOP);
  // The first scrape waits for Redis until the timeout; the following ones share that
  // stuck round trip or, once it failed, answer at once until it is time to reconnect.
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    const auto start = Clock::now();
    const auto r = http(exporter.url("/metrics"));
    const auto took = Clock::now() - start;
    CHECK(r.status == 200);
    CHECK(took < 800ms);
    if (i == 0) {
      CHECK(took >= 250ms);
      CHECK(sample_lines(r.body, "graflow_exporter_scrape_duration_seconds") ==
            std::vector<std::string>{"graflow_exporter_scrape_duration_seconds 0.3"});
    }
    CHECK(depth_lines(r.body).empty());
    CHECK(sample_lines(r.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  }
  CHECK(exporter.process().err().find("did not answer reading queue lengths within 300ms") != std::string::npos);
  ::kill(redis.pid(), SIGCONT);
  bool up = false;
  const auto deadline = Clock::now() + 5s;
  while (!up && Clock::now() < deadline) {
    up = depth_lines(http(exporter.url("/metrics")).body) ==
         std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 3)"};
  }
  CHECK(up);
}

TEST_CASE("password-protected Redis, ACL users, and a wrong password") {
  RedisOptions options;
  options.requirepass = "s3cr3t";
  options.acl_user = "exporter";
  options.acl_password = "acl-pass";
  RedisServer redis(options);
  redis.push("graflow:queue", 11);
  {
    ExporterProcess exporter({"--redis-url", redis.url()});
    CHECK(depth_lines(http(exporter.url("/metrics")).body) ==
          std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 11)"});
  }
  {
    const std::string url = "redis://exporter:acl-pass@127.0.0.1:" + std::to_string(redis.port());
    ExporterProcess exporter({}, with_env({"GRAFLOW_REDIS_URL=" + url}));
    CHECK(depth_lines(http(exporter.url("/metrics")).body) ==
          std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 11)"});
  }
  {
    ExporterProcess exporter({"--redis-url", "redis://:not-the-password@127.0.0.1:" + std::to_string(redis.port())});
    const auto r = http(exporter.url("/metrics"));
    CHECK(r.status == 200);
    CHECK(depth_lines(r.body).empty());
    CHECK(sample_lines(r.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
    const auto ready = http(exporter.url("/readyz"));
    CHECK(ready.status == 503);
    CHECK(ready.body.find("rejected the credentials") != std::string::npos);
    CHECK(exporter.process().err().find("rejected the credentials") != std::string::npos);
    CHECK(exporter.process().err().find("not-the-password") == std::string::npos);
  }
  {
    ExporterProcess exporter({"--redis-url", "redis://127.0.0.1:" + std::to_string(redis.port())});
    const auto ready = http(exporter.url("/readyz"));
    CHECK(ready.status == 503);
    CHECK(ready.body.find("requires a password") != std::string::npos);
  }
}

TEST_CASE("SIGTERM with an idle keep-alive connection open: exit 0 within 1 s") {
  RedisServer redis;
  ExporterProcess exporter({"--redis-url", redis.url()});
  auto client = graflow::net::make_curl_client({});
  REQUIRE(http(*client, exporter.url("/metrics")).status == 200); // the connection stays open
  const auto start = Clock::now();
  exporter.process().signal(SIGTERM);
  const auto code = exporter.process().wait(2s);
  const auto took = Clock::now() - start;
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(took < 1s);
  CHECK(exporter.process().err().find("SIGTERM: stopping") != std::string::npos);
  CHECK(exporter.process().err().find("exporter stopped") != std::string::npos);
}

TEST_CASE("SIGTERM during a scrape stuck on a hung Redis: the scrape gets its answer, exit 0 within 1 s") {
  RedisServer redis;
  // A scrape timeout far longer than the 1 s allowed for stopping.
  ExporterProcess exporter({"--redis-url", redis.url(), "--scrape-timeout", "5s"});
  REQUIRE(http(exporter.url("/metrics")).status == 200);
  ::kill(redis.pid(), SIGSTOP); // the next scrape waits for Redis until its timeout
  auto scrape = std::async(std::launch::async, [&] { return http(exporter.url("/metrics")); });
  std::this_thread::sleep_for(150ms);
  const auto start = Clock::now();
  exporter.process().signal(SIGTERM);
  const auto code = exporter.process().wait(2s);
  const auto took = Clock::now() - start;
  const auto r = scrape.get();
  ::kill(redis.pid(), SIGCONT);
  CHECK(r.status == 200);
  CHECK(sample_lines(r.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(took < 1s);
}

TEST_CASE("SIGINT stops it too, with exit 0") {
  RedisServer redis;
  ExporterProcess exporter({"--redis-url", redis.url()});
  exporter.process().signal(SIGINT);
  const auto code = exporter.process().wait(1s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("the seed's environment: REDIS_HOST and KEY_PREFIX; global flags before the command") {
  RedisServer redis;
  redis.push("tenant:queue", 5);
  redis.push("global:queue", 6);
  {
    ExporterProcess exporter({}, with_env({"GRAFLOW_REDIS_URL=" + redis.url(), "KEY_PREFIX=tenant"}));
    CHECK(depth_lines(http(exporter.url("/metrics")).body) ==
          std::vector<std::string>{R"(graflow_queue_depth{key_prefix="tenant"} 5)"});
  }
  {
    ExporterProcess exporter({}, with_env({"KEY_PREFIX=tenant"}),
                             {"--redis-url", redis.url(), "--key-prefix", "global"});
    CHECK(depth_lines(http(exporter.url("/metrics")).body) ==
          std::vector<std::string>{R"(graflow_queue_depth{key_prefix="global"} 6)"});
  }
  {
    // REDIS_HOST, as in the seed, means port 6379 on that host.
    ExporterProcess exporter({}, with_env({"REDIS_HOST=127.0.0.1"}));
    (void)http(exporter.url("/metrics"));
    CHECK(exporter.process().err().find("Redis at 127.0.0.1:6379") != std::string::npos);
  }
}

TEST_CASE("usage errors exit 2, a taken port exits 1, each with one line naming the cause") {
  auto r = graflowctl({"exporter", "--listen", "8000"});
  CHECK(r.code == 2);
  CHECK(r.err == "graflowctl: error: invalid --listen \"8000\": no port; expected ADDR:PORT such as 0.0.0.0:8000, "
                 "127.0.0.1:8000 or :8000\n");
  r = graflowctl({"exporter", "--listen", "127.0.0.1:1", "--scrape-timeout", "5"});
  CHECK(r.code == 2);
  CHECK(r.err.find("graflowctl: error: invalid --scrape-timeout \"5\"") == 0);
  r = graflowctl({"exporter", "--listen", "127.0.0.1:1", "--key-prefix", "a", "--key-prefix", "a"});
  CHECK(r.code == 2);
  CHECK(r.err == "graflowctl: error: --key-prefix \"a\" is given twice\n");
  r = graflowctl({"exporter", "--redis-url", "http://x"});
  CHECK(r.code == 2);
  CHECK(r.err.find("graflowctl: error: invalid Redis URL \"http://x\"") == 0);

  RedisServer redis;
  ExporterProcess first({"--redis-url", redis.url()});
  r = graflowctl({"exporter", "--listen", first.target(), "--redis-url", redis.url()}, {}, 10s);
  CHECK(r.code == 1);
  CHECK(r.err.find("graflowctl: error: cannot listen on " + first.target() +
                   ": address already in use\n") != std::string::npos);
}
