// The pure parts of redis+sentinel://: which credentials go where, reading the sentinel's and
// ROLE's replies, the sentinel flags. The servers themselves: integration/redis_sentinel_test.
#include "graflow/actions/resolve.hpp"
#include "graflow/core/env.hpp"
#include "graflow/core/error.hpp"
#include "graflow/redis/sentinel.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <functional>

using graflow::Error;
using graflow::redis::Reply;
namespace redis = graflow::redis;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("sentinel_node and master_node: sentinel credentials to the sentinels, the URL's to the master") {
  redis::Address a = redis::parse_url("rediss+sentinel://app:redis-pw@s1:26379,[::1]:26380/mymaster/3");
  a.sentinel_user = "watcher";
  a.sentinel_password = "sentinel-pw";
  a.tls.ca_file = "/ca.pem";

  const redis::Address s = redis::sentinel_node(a, 1);
  CHECK(s.mode == redis::Mode::single);
  CHECK(s.host == "::1");
  CHECK(s.port == 26380);
  CHECK(s.user == "watcher");
  CHECK(s.password == "sentinel-pw");
  CHECK(s.db == 0);
  CHECK(s.tls.enabled);
  CHECK(s.tls.ca_file == "/ca.pem");
  CHECK(s.endpoint() == "[::1]:26380");

  const redis::Address m = redis::master_node(a, {"10.0.0.7", 6380});
  CHECK(m.mode == redis::Mode::single);
  CHECK(m.endpoint() == "10.0.0.7:6380");
  CHECK(m.user == "app");
  CHECK(m.password == "redis-pw");
  CHECK(m.db == 3);
  CHECK(m.tls.enabled);
  CHECK(m.sentinel_password.empty());
}

TEST_CASE("parse_master_addr: [host, port], nil for an unknown master, errors named") {
  const auto at = redis::parse_master_addr(Reply::array({Reply::of("10.0.0.7"), Reply::of("6380")}), "s1:26379");
  REQUIRE(at);
  CHECK(at->endpoint() == "10.0.0.7:6380");
  CHECK_FALSE(redis::parse_master_addr(Reply::nil(), "s1:26379"));

  CHECK(error_of([] { (void)redis::parse_master_addr(Reply::error("NOAUTH Authentication required."), "s1:26379"); })
            .find("sentinel s1:26379 requires a password: NOAUTH Authentication required. (give "
                  "--redis-sentinel-password-file") == 0);
  CHECK(error_of([] { (void)redis::parse_master_addr(Reply::error("ERR unknown command"), "s1:26379"); }) ==
        "sentinel s1:26379 refused SENTINEL get-master-addr-by-name: ERR unknown command");
  for (const Reply& bad : {Reply::of(6379LL), Reply::array({Reply::of("h")}),
                           Reply::array({Reply::of("h"), Reply::of("port")}),
                           Reply::array({Reply::of("h"), Reply::of("70000")}),
                           Reply::array({Reply::of(""), Reply::of("6379")})}) {
    CHECK(error_of([&] { (void)redis::parse_master_addr(bad, "s1:26379"); })
              .find("sentinel s1:26379 answered SENTINEL get-master-addr-by-name with ") == 0);
  }
}

TEST_CASE("parse_role: the first element of ROLE's array") {
  CHECK(redis::parse_role(Reply::array({Reply::of("master"), Reply::of(0LL), Reply::array({})}), "h:1") == "master");
  CHECK(redis::parse_role(Reply::array({Reply::of("slave"), Reply::of("10.0.0.1")}), "h:1") == "slave");
  CHECK(error_of([] { (void)redis::parse_role(Reply::error("NOPERM no"), "h:1"); }) == "Redis at h:1 refused ROLE: NOPERM no");
  CHECK(error_of([] { (void)redis::parse_role(Reply::of(1LL), "h:1"); }) ==
        "Redis at h:1 answered ROLE with an integer, not a role");
  CHECK(error_of([] { (void)redis::parse_role(Reply::array({}), "h:1"); }) ==
        "Redis at h:1 answered ROLE with an array, not a role");
}

TEST_CASE("SentinelStore: endpoint before any answer; a sentinel URL needs sentinels") {
  const redis::Address a = redis::parse_url("redis+sentinel://:pw@s1:26379,s2/mymaster");
  const redis::SentinelStore store(a, std::chrono::milliseconds(100));
  CHECK(store.endpoint() == "master mymaster via sentinels s1:26379,s2:26379");
  CHECK_FALSE(store.master());
  CHECK(store.sentinel().empty());
  redis::Address none = a;
  none.nodes.clear();
  CHECK(error_of([&] { redis::SentinelStore s(none, std::chrono::milliseconds(100)); }).find("at least one sentinel") !=
        std::string::npos);
}

TEST_CASE("redis_address: the sentinel flags and $GRAFLOW_REDIS_SENTINEL_PASSWORD") {
  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "pw", "from-file\n");
  graflow::MapEnv env;
  env.set("GRAFLOW_REDIS_SENTINEL_PASSWORD", "from-env");
  const graflow::actions::RedisUrl url{"redis+sentinel://s1/mymaster", "--redis-url"};
  graflow::actions::RedisFlags flags;
  CHECK(graflow::actions::redis_address(url, flags, env).sentinel_password == "from-env");
  flags.sentinel_password_file = (dir / "pw").string();
  flags.sentinel_user = "watcher";
  const auto a = graflow::actions::redis_address(url, flags, env);
  CHECK(a.sentinel_password == "from-file");
  CHECK(a.sentinel_user == "watcher");
  CHECK(a.password.empty()); // the sentinels' password is not Redis's

  flags.sentinel_password_file = (dir / "missing").string();
  CHECK(error_of([&] { (void)graflow::actions::redis_address(url, flags, env); })
            .find("cannot read --redis-sentinel-password-file ") == 0);
  flags.sentinel_password_file.clear();
  CHECK(error_of([&] {
          (void)graflow::actions::redis_address({"redis://h:6379/0", "$GRAFLOW_REDIS_URL"}, flags, env);
        }) == "--redis-sentinel-user needs a redis+sentinel:// URL (the Redis URL from $GRAFLOW_REDIS_URL is not one)");
}
