#include "graflow/core/error.hpp"
#include "graflow/redis/url.hpp"

#include <doctest/doctest.h>

using graflow::redis::parse_url;

namespace {
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
  CHECK(url_error("http://host") == "invalid Redis URL \"http://host\": expected redis://[user:password@]host[:port][/db]");
  CHECK(url_error("rediss://host").find("TLS (rediss://) is not supported") != std::string::npos);
  CHECK(url_error("redis://:pw%zz@host") == "invalid Redis URL \"redis://:***@host\": bad %-escape");
  CHECK(url_error("redis://") == "invalid Redis URL \"redis://\": no host");
  CHECK(url_error("redis://host:") == "invalid Redis URL \"redis://host:\": empty port");
}
