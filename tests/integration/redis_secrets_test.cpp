// A marker password fed through every path that could print it: URL parsing, connecting,
// timeouts, AUTH, TLS, config errors, `profiles show` (text, JSON, YAML) and -vvv. It must
// never appear on stdout or stderr.
#include "harness.hpp"
#include "hostile_redis.hpp"

#include <doctest/doctest.h>

using graflow::testing::graflowctl;
using graflow::testing::RedisServer;
using graflow::testing::Result;

namespace {

const std::string k_marker = "Mk7-S3cret-Zq";

// Runs graflowctl and asserts the exit code and that the marker shows nowhere.
Result secret_safe(const std::vector<std::string>& args, int code,
                   graflow::testing::ProcessOptions options = {}) {
  auto r = graflowctl(args, std::move(options));
  INFO("args: " << doctest::toString(args.size()) << " stdout: " << r.out << " stderr: " << r.err);
  CHECK(r.code == code);
  CHECK(r.out.find(k_marker) == std::string::npos);
  CHECK(r.err.find(k_marker) == std::string::npos);
  CHECK(r.err.find("Mk7") == std::string::npos); // not even a part of it
  return r;
}

} // namespace

TEST_CASE("URL parsing errors never print the password") {
  for (const std::string& url :
       {"redis://" + k_marker + "@127.0.0.1:99999", "redis://u:" + k_marker + "@h/x", "rediss://:" + k_marker + "@h:0",
        "redis://:" + k_marker + "%zz@h", "http://:" + k_marker + "@h", "redis://" + k_marker + "@[::1",
        "redis://:" + k_marker + "@"}) {
    for (const char* v : {"-v", "-vvv"}) {
      auto r = secret_safe({v, "queue", "depth", "--redis-url", url}, 2);
      CHECK(r.err.rfind("graflowctl: error: invalid Redis URL", 0) == 0);
    }
  }
  auto r = secret_safe({"queue", "depth", "--redis-url", "redis://" + k_marker + "@127.0.0.1:99999"}, 2);
  CHECK(r.err == "graflowctl: error: invalid Redis URL \"redis://***@127.0.0.1:99999\": the port must be a number "
                 "from 1 to 65535\n");
}

TEST_CASE("connection and timeout errors never print the password") {
  const std::string port = std::to_string(graflow::testing::free_port());
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://:" + k_marker + "@127.0.0.1:" + port}, 1);
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://" + k_marker + "@127.0.0.1:" + port}, 1);
  graflow::testing::HostileRedis stall("");
  secret_safe({"-vvv", "queue", "depth", "--redis-timeout", "200ms", "--redis-url",
               "redis://u:" + k_marker + "@127.0.0.1:" + std::to_string(stall.port())},
              1);
  // The AUTH command itself is on the wire, but never in a log line.
  graflow::testing::HostileRedis echo("-ERR wrong\r\n-ERR wrong\r\n");
  secret_safe({"-vvv", "queue", "depth", "--redis-url",
               "redis://:" + k_marker + "@127.0.0.1:" + std::to_string(echo.port())},
              1);
}

TEST_CASE("AUTH errors never print the password, from the URL, a file or the environment") {
  RedisServer redis(graflow::testing::with_password("the-real-one"));
  RedisServer open;
  const std::string host = "127.0.0.1:" + std::to_string(redis.port());
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://:" + k_marker + "@" + host}, 1);
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://" + k_marker + "@" + host}, 1);
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://someone:" + k_marker + "@" + host}, 1);
  // A server with no password at all answers AUTH with its own complaint.
  secret_safe({"-vvv", "queue", "depth", "--redis-url",
               "redis://:" + k_marker + "@127.0.0.1:" + std::to_string(open.port())},
              1);

  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "pw", k_marker + "\n");
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://" + host, "--redis-password-file",
               (dir / "pw").string()},
              1);
  secret_safe({"-vvv", "queue", "depth", "--redis-url", "redis://" + host},
              1, graflow::testing::env({"GRAFLOW_REDIS_PASSWORD=" + k_marker}));
  secret_safe({"-vvv", "queue", "depth"}, 1,
              graflow::testing::env({"GRAFLOW_REDIS_URL=redis://:" + k_marker + "@" + host}));
}

TEST_CASE("-vvv of a successful read with the password does not print it") {
  RedisServer redis(graflow::testing::with_password(k_marker));
  redis.push("graflow:queue", 2);
  auto r = secret_safe({"-vvv", "queue", "depth", "--redis-url", redis.url()}, 0);
  CHECK(r.out.find("graflow:queue   2") != std::string::npos);
  CHECK(r.err.find("connecting to Redis at 127.0.0.1:" + std::to_string(redis.port())) != std::string::npos);
}

TEST_CASE("TLS errors never print the password") {
  graflow::testing::TestCa ca;
  RedisServer redis(ca.redis(ca.expired_cert()));
  const std::string url = "rediss://u:" + k_marker + "@127.0.0.1:" + std::to_string(redis.tls_port());
  secret_safe({"-vvv", "queue", "depth", "--redis-url", url}, 1);
  secret_safe({"-vvv", "queue", "depth", "--redis-url", url, "--redis-ca-file", ca.ca().string()}, 1);
}

TEST_CASE("config errors and profiles show never print the password") {
  graflow::testing::TempDir dir;
  const std::string good = "redis://worker:" + k_marker + "@127.0.0.1:" +
                           std::to_string(graflow::testing::free_port()) + "/0";
  graflow::testing::write_text(dir / "good.yaml", "profiles:\n  prod:\n    redis:\n      url: " + good + "\n");
  graflow::testing::write_text(dir / "bad.yaml",
                               "profiles:\n  prod:\n    redis:\n      url: http://:" + k_marker + "@h\n");
  graflow::testing::write_text(dir / "bare.yaml",
                               "profiles:\n  prod:\n    redis:\n      url: redis://" + k_marker + "@h:99999\n");
  const std::string cfg = (dir / "good.yaml").string();

  auto text = secret_safe({"--config", cfg, "profiles", "show", "prod"}, 0);
  CHECK(text.out.find("redis://worker:***@127.0.0.1:") != std::string::npos);
  auto json = secret_safe({"--config", cfg, "-o", "json", "profiles", "show", "prod"}, 0);
  CHECK(json.out.find("redis://worker:***@127.0.0.1:") != std::string::npos);
  auto yaml = secret_safe({"--config", cfg, "-o", "yaml", "profiles", "show", "prod"}, 0);
  CHECK(yaml.out.find("redis://worker:***@127.0.0.1:") != std::string::npos);
  secret_safe({"--config", cfg, "profiles"}, 0);
  secret_safe({"--config", cfg, "-o", "json", "profiles"}, 0);
  // The profile's URL used to connect: refused, and the URL never echoed.
  secret_safe({"-vvv", "--config", cfg, "queue", "depth", "-p", "prod"}, 1);
  secret_safe({"-vvv", "--config", (dir / "bad.yaml").string(), "profiles", "show", "prod"}, 2);
  secret_safe({"-vvv", "--config", (dir / "bad.yaml").string(), "queue", "depth", "-p", "prod"}, 2);
  secret_safe({"-vvv", "--config", (dir / "bare.yaml").string(), "queue", "depth", "-p", "prod"}, 2);
  // A rendered manifest never holds a password: render refuses a profile whose URL has one.
  auto render = secret_safe({"-vvv", "--config", cfg, "render", "-p", "prod"}, 2);
  CHECK(render.err.find("holds a password, and a rendered manifest never does") != std::string::npos);
  secret_safe({"--config", cfg, "render", "-p", "prod", "--set", "redis.url=http://:" + k_marker + "@x"}, 2);
}
