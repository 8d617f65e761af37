#include "graflow/core/env.hpp"
#include "graflow/core/error.hpp"
#include "graflow/redis/url.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <map>

using graflow::redis::parse_url;

namespace {
graflow::MapEnv env_of(std::map<std::string, std::string, std::less<>> vars) { return graflow::MapEnv(std::move(vars)); }

std::string url_error(const std::string& url) {
  try {
    parse_url(url);
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    return e.what();
  }
  FAIL("no error for " << url);
  return "";
}
} // namespace

TEST_CASE("redis URLs") {
  auto a = parse_url("redis://localhost");
  CHECK(a.host == "localhost");
  CHECK(a.port == 6379);
  CHECK(a.db == 0);
  CHECK(a.password.empty());

  a = parse_url("redis://:s3cret@10.0.0.5:6380/2");
  CHECK(a.host == "10.0.0.5");
  CHECK(a.port == 6380);
  CHECK(a.db == 2);
  CHECK(a.user.empty());
  CHECK(a.password == "s3cret");
  CHECK(a.endpoint() == "10.0.0.5:6380");

  a = parse_url("redis://alice:p%40ss%3Aword@redis.example.com/0");
  CHECK(a.user == "alice");
  CHECK(a.password == "p@ss:word");

  a = parse_url("redis://secret@host");
  CHECK(a.user.empty());
  CHECK(a.password == "secret");

  a = parse_url("redis://[::1]:7000/3");
  CHECK(a.host == "::1");
  CHECK(a.port == 7000);
  CHECK(a.endpoint() == "[::1]:7000");

  a = parse_url("unix:///run/redis.sock?db=4");
  CHECK(a.unix_path == "/run/redis.sock");
  CHECK(a.db == 4);
  CHECK(a.endpoint() == "/run/redis.sock");
}

TEST_CASE("bad redis URLs never echo the password") {
  CHECK(url_error("redis://:hunter2@host:99999") ==
        "invalid Redis URL \"redis://:***@host:99999\": the port must be a number from 1 to 65535");
  CHECK(url_error("redis://bob:hunter2@host/x") ==
        "invalid Redis URL \"redis://bob:***@host/x\": the database number must be a number from 0 to 1000000");
  CHECK(url_error("http://host") ==
        "invalid Redis URL \"http://host\": expected redis[s]://[user:password@]host[:port][/db], "
        "redis[s]+sentinel://[user:password@]host:port[,host:port...]/MASTER[/db], "
        "redis[s]+cluster://[user:password@]host:port[,host:port...] or unix:///path");
  CHECK(url_error("rediss://:hunter2@host:0") ==
        "invalid Redis URL \"rediss://:***@host:0\": the port must be a number from 1 to 65535");
  // A bare userinfo is a password: the redaction hides it too.
  CHECK(url_error("redis://hunter2@127.0.0.1:99999") ==
        "invalid Redis URL \"redis://***@127.0.0.1:99999\": the port must be a number from 1 to 65535");
  CHECK(url_error("redis://:pw%zz@host") == "invalid Redis URL \"redis://:***@host\": bad %-escape");
  CHECK(url_error("redis://") == "invalid Redis URL \"redis://\": no host");
  CHECK(url_error("redis://host:") == "invalid Redis URL \"redis://host:\": empty port");
}

TEST_CASE("rediss:// URLs turn TLS on") {
  auto a = parse_url("rediss://worker:pw@redis.example.com:6380/1");
  CHECK(a.tls.enabled);
  CHECK(a.host == "redis.example.com");
  CHECK(a.port == 6380);
  CHECK(a.db == 1);
  CHECK(a.user == "worker");
  CHECK(a.password == "pw");
  CHECK(parse_url("rediss://h").port == 6379);
  CHECK_FALSE(parse_url("redis://h").tls.enabled);
}

TEST_CASE("one redaction for every URL") {
  using graflow::redis::redact_url;
  CHECK(redact_url("redis://S3cret@127.0.0.1:99999") == "redis://***@127.0.0.1:99999");
  CHECK(redact_url("redis://:S3cret@h:1/0") == "redis://:***@h:1/0");
  CHECK(redact_url("rediss://alice:S3cret@h") == "rediss://alice:***@h");
  CHECK(redact_url("redis://alice:pa/ss@w@rd@h/2") == "redis://alice:***@h/2");
  CHECK(redact_url("redis+sentinel://u:S3cret@h1:26379,h2:26379/mymaster") ==
        "redis+sentinel://u:***@h1:26379,h2:26379/mymaster");
  CHECK(redact_url("S3cret@host") == "***@host");
  CHECK(redact_url("redis://h:6379/0") == "redis://h:6379/0");
  CHECK(redact_url("unix:///run/redis.sock") == "unix:///run/redis.sock");
}


TEST_CASE("the password from a file or $GRAFLOW_REDIS_PASSWORD") {
  using graflow::MapEnv;
  using graflow::redis::apply_password;
  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "pw", "from-file\n");
  graflow::testing::write_text(dir / "pw2", "two-lines\n\n");
  graflow::testing::write_text(dir / "empty", "\n");
  const MapEnv env = env_of({{"GRAFLOW_REDIS_PASSWORD", "from-env"}});

  auto a = parse_url("redis://:in-url@h");
  apply_password(a, (dir / "pw").string(), env);
  CHECK(a.password == "from-file"); // the file wins, its one trailing newline dropped
  a = parse_url("redis://h");
  apply_password(a, (dir / "pw2").string(), env);
  CHECK(a.password == "two-lines\n");
  a = parse_url("redis://:in-url@h");
  apply_password(a, "", env);
  CHECK(a.password == "in-url");
  a = parse_url("redis://h");
  apply_password(a, "", env);
  CHECK(a.password == "from-env");

  auto error_of = [&](const std::string& file) {
    auto b = parse_url("redis://h");
    try {
      apply_password(b, file, env);
    } catch (const graflow::Error& e) {
      CHECK(e.code() == graflow::Exit::usage);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of((dir / "missing").string()) ==
        "cannot read --redis-password-file " + (dir / "missing").string() + ": No such file or directory");
  CHECK(error_of((dir / "empty").string()) == "--redis-password-file " + (dir / "empty").string() + " is empty");
}

TEST_CASE("redis+sentinel:// and redis+cluster://: host lists, master name, default ports") {
  const graflow::redis::Address s = parse_url("redis+sentinel://u:pw@h1:26380,[::1],h3/mymaster/2");
  CHECK(s.mode == graflow::redis::Mode::sentinel);
  REQUIRE(s.nodes.size() == 3);
  CHECK(s.nodes[0].endpoint() == "h1:26380");
  CHECK(s.nodes[1].endpoint() == "[::1]:26379");
  CHECK(s.nodes[2].endpoint() == "h3:26379");
  CHECK(s.master_name == "mymaster");
  CHECK(s.db == 2);
  CHECK(s.user == "u");
  CHECK(s.password == "pw");
  CHECK(s.endpoint() == "master mymaster via sentinels h1:26380,[::1]:26379,h3:26379");
  CHECK(parse_url("rediss+sentinel://h/m").tls.enabled);

  const graflow::redis::Address c = parse_url("redis+cluster://h1:7000,h2");
  CHECK(c.mode == graflow::redis::Mode::cluster);
  REQUIRE(c.nodes.size() == 2);
  CHECK(c.nodes[1].endpoint() == "h2:6379");
  CHECK(c.endpoint() == "cluster h1:7000,h2:6379");
  CHECK(parse_url("rediss+cluster://h1:7000").tls.enabled);
  CHECK(parse_url("redis://h").mode == graflow::redis::Mode::single);

  CHECK(url_error("redis+sentinel://h1:26379") == "invalid Redis URL \"redis+sentinel://h1:26379\": no master name "
                                              "(redis+sentinel://host:port/MASTER)");
  CHECK(url_error("redis+cluster://h1:7000/3") ==
        "invalid Redis URL \"redis+cluster://h1:7000/3\": a Redis Cluster has only database 0");
  CHECK(url_error("redis+cluster://S3cret@h1:7000,,h2").find("S3cret") == std::string::npos);
  CHECK(url_error("redis+cluster://h1:7000,,h2").find("no host") != std::string::npos);
}
