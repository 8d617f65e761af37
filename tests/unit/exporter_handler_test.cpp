#include "exporter_fake_store.hpp"
#include "graflow/exporter/handler.hpp"
#include "graflow/exporter/run.hpp"
#include "graflow/exporter/text_format.hpp"

#include <doctest/doctest.h>

using graflow::Error;
using graflow::Exit;
using graflow::exporter::Collector;
using graflow::exporter::Handler;
using graflow::exporter::MetricsPage;
using graflow::net::ServerRequest;
using graflow::net::ServerResponse;
using graflow::testing::fake_connect;
using graflow::testing::FakeRedis;

namespace {

struct Fixture {
  std::shared_ptr<FakeRedis> redis = std::make_shared<FakeRedis>();
  Collector collector{[] {
                        Collector::Options o;
                        o.queues = graflow::testing::graflow_queues({"graflow"});
                        o.redis_endpoint = "fake:6379";
                        o.timeout = std::chrono::milliseconds(500);
                        o.reconnect_interval = std::chrono::milliseconds(0);
                        return o;
                      }(),
                      fake_connect(redis)};
  Handler handler{collector, MetricsPage(graflow::testing::graflow_queues({"graflow"}), "0.1.0")};

  ServerResponse get(const std::string& path, const std::string& method = "GET") {
    return handler.handle(ServerRequest{method, path, {}});
  }
};

std::string usage_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    return e.what();
  }
  FAIL("no error");
  return "";
}

} // namespace

TEST_CASE("/metrics: 200, the exposition content type, depths while Redis answers") {
  Fixture f;
  f.redis->lists = {{"graflow:queue", 9}};
  const auto r = f.get("/metrics");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.body.find("\ngraflow_queue_depth{key_prefix=\"graflow\"} 9\n") != std::string::npos);
  CHECK(r.body.find("\ngraflow_redis_up 1\n") != std::string::npos);
  CHECK(r.body.find("\ngraflow_exporter_scrape_errors_total 0\n") != std::string::npos);
  CHECK(f.handler.scrape_errors() == 0);
}

TEST_CASE("/metrics while Redis is away: still 200, redis_up 0, no depth, errors counted per scrape") {
  Fixture f;
  f.redis->refuse_connections = true;
  for (int i = 1; i <= 2; ++i) {
    const auto r = f.get("/metrics");
    CHECK(r.status == 200);
    CHECK(r.body.find("graflow_queue_depth{") == std::string::npos);
    CHECK(r.body.find("\ngraflow_redis_up 0\n") != std::string::npos);
    CHECK(r.body.find("\ngraflow_exporter_scrape_errors_total " + std::to_string(i) + "\n") != std::string::npos);
  }
  f.redis->refuse_connections = false;
  const auto r = f.get("/metrics");
  CHECK(r.body.find("\ngraflow_queue_depth{key_prefix=\"graflow\"} 0\n") != std::string::npos);
  CHECK(r.body.find("\ngraflow_exporter_scrape_errors_total 2\n") != std::string::npos);
}

TEST_CASE("/healthz is 200 even when Redis is away; /readyz follows Redis") {
  Fixture f;
  CHECK(f.get("/healthz").status == 200);
  CHECK(f.get("/healthz").body == "ok\n");
  CHECK(f.get("/readyz").status == 200);
  f.redis->refuse_connections = true;
  f.redis->fail_requests = "lost the connection";
  CHECK(f.get("/healthz").status == 200);
  const auto r = f.get("/readyz");
  CHECK(r.status == 503);
  CHECK(r.body == "not ready: lost the connection\n");
  CHECK(f.handler.scrape_errors() == 0); // probes are not scrapes
}

TEST_CASE("HEAD is GET without a body (the server drops it); other methods 405 with Allow; other paths 404") {
  Fixture f;
  CHECK(f.get("/metrics", "HEAD").status == 200);
  CHECK(f.get("/healthz", "HEAD").status == 200);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    CAPTURE(method);
    const auto r = f.get("/metrics", method);
    CHECK(r.status == 405);
    REQUIRE(r.headers.size() == 1);
    CHECK(r.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, HEAD"});
  }
  for (const char* path : {"/", "/metric", "/metrics/", "/healthz/x", "/favicon.ico"}) {
    CAPTURE(path);
    CHECK(f.get(path).status == 404);
    CHECK(f.get(path, "POST").status == 404);
  }
  CHECK(f.redis->request_count() == 1); // only the HEAD /metrics read Redis
}

TEST_CASE("OPTIONS * is 200 with Allow and reads nothing; * with another method is a 400") {
  Fixture f;
  const auto r = f.get("*", "OPTIONS");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, HEAD"});
  CHECK(f.get("*", "GET").status == 400);
  CHECK(f.redis->request_count() == 0);
}

TEST_CASE("--listen forms and errors") {
  using graflow::exporter::parse_listen;
  CHECK(parse_listen("0.0.0.0:8000").host == "0.0.0.0");
  CHECK(parse_listen("0.0.0.0:8000").port == 8000);
  CHECK(parse_listen("127.0.0.1:0").port == 0);
  CHECK(parse_listen(":9121").host == "0.0.0.0");
  CHECK(parse_listen(":9121").port == 9121);
  CHECK(parse_listen("[::]:8000").host == "::");
  CHECK(parse_listen("[::1]:80").host == "::1");
  CHECK(parse_listen("localhost:8080").host == "127.0.0.1");
  const std::string form = "expected ADDR:PORT such as 0.0.0.0:8000, 127.0.0.1:8000 or :8000";
  CHECK(usage_message([] { (void)parse_listen("8000"); }) == "invalid --listen \"8000\": no port; " + form);
  CHECK(usage_message([] { (void)parse_listen("host:http"); }) ==
        "invalid --listen \"host:http\": the port must be a number from 0 to 65535; " + form);
  CHECK(usage_message([] { (void)parse_listen("host:70000"); }) ==
        "invalid --listen \"host:70000\": the port must be a number from 0 to 65535; " + form);
  CHECK(usage_message([] { (void)parse_listen("::1:80"); }) ==
        "invalid --listen \"::1:80\": put an IPv6 address in brackets; " + form);
  CHECK(usage_message([] { (void)parse_listen("[::1"); }) == "invalid --listen \"[::1\": unclosed [; " + form);
  CHECK(usage_message([] { (void)parse_listen("[::1]"); }) == "invalid --listen \"[::1]\": no port; " + form);
  // Only numeric addresses: no resolver deciding what "999.1.1.1" or "1.2.3" means.
  CHECK(usage_message([] { (void)parse_listen("999.1.1.1:8000"); }) ==
        "invalid --listen \"999.1.1.1:8000\": \"999.1.1.1\" is not a numeric IPv4 address; " + form);
  CHECK(usage_message([] { (void)parse_listen("1.2.3:8000"); }) ==
        "invalid --listen \"1.2.3:8000\": \"1.2.3\" is not a numeric IPv4 address; " + form);
  CHECK(usage_message([] { (void)parse_listen("example.com:8000"); }) ==
        "invalid --listen \"example.com:8000\": \"example.com\" is not a numeric IPv4 address; " + form);
  CHECK(usage_message([] { (void)parse_listen("[::g]:8000"); }) ==
        "invalid --listen \"[::g]:8000\": \"::g\" is not a numeric IPv6 address; " + form);
}

TEST_CASE("key prefixes: none empty, no duplicates") {
  using graflow::exporter::validate_prefixes;
  validate_prefixes({"a", "b"});
  CHECK(usage_message([] { validate_prefixes({"a", ""}); }) == "--key-prefix must not be empty");
  CHECK(usage_message([] { validate_prefixes({"a", "b", "a"}); }) == "--key-prefix \"a\" is given twice");
  CHECK(usage_message([] { validate_prefixes({}); }) == "no key prefix to export");
}

TEST_CASE("/metrics: a page rendered for one reading is never served for the next") {
  Fixture f;
  f.redis->lists = {{"graflow:queue", 1}};
  CHECK(f.get("/metrics").body.find("\ngraflow_queue_depth{key_prefix=\"graflow\"} 1\n") != std::string::npos);
  f.redis->lists = {{"graflow:queue", 2}};
  const auto again = f.get("/metrics");
  CHECK(again.body.find("\ngraflow_queue_depth{key_prefix=\"graflow\"} 2\n") != std::string::npos);
  CHECK(again.body.find("{key_prefix=\"graflow\"} 1\n") == std::string::npos);
}
