// A real Prometheus scraping a real `graflowctl exporter` reading a real redis-server:
// what Prometheus stores is the list length, follows pushes and pops, disappears (stale)
// while Redis is away and comes back with Redis, without restarting the exporter.
#include "exporter_process.hpp"
#include "harness.hpp"
#include "prometheus.hpp"

#include <doctest/doctest.h>

using namespace graflow::testing;
using nlohmann::json;

TEST_CASE("Prometheus stores the queue depth, follows it, and sees no depth while Redis is away") {
  RedisServer redis;
  redis.push("graflow:queue", 7);
  redis.push("tenant-b.v2_x:queue", 1);
  // A key prefix is also a Kubernetes label value (the HPA selects on it), so the exporter
  // takes the characters the config does; label escaping is unit-tested (text_format).
  ExporterProcess exporter(
      {"--redis-url", redis.url(), "--key-prefix", "graflow", "--key-prefix", "tenant-b.v2_x"});
  PrometheusServer prometheus({exporter.target()}, in_namespace("workers"));

  const std::string depth = R"(graflow_queue_depth{key_prefix="graflow"})";
  auto result = prometheus.wait_for(depth, one_value(7));
  CHECK(result[0]["metric"]["job"] == "graflow");
  CHECK(result[0]["metric"]["namespace"] == "workers");
  CHECK(result[0]["metric"]["instance"] == exporter.target());
  // Every character a key prefix may have reaches Prometheus intact.
  result = prometheus.wait_for(R"(graflow_queue_depth{key_prefix="tenant-b.v2_x"})", one_value(1));
  CHECK(result[0]["metric"]["key_prefix"] == "tenant-b.v2_x");

  // It follows pushes and pops, and a deleted (missing) list is 0, not absent.
  redis.push("graflow:queue", 5);
  prometheus.wait_for(depth, one_value(12));
  redis.command({"LPOP", "graflow:queue", "10"});
  prometheus.wait_for(depth, one_value(2));
  redis.command({"DEL", "graflow:queue"});
  prometheus.wait_for(depth, one_value(0));
  prometheus.wait_for("graflow_redis_up", one_value(1));
  prometheus.wait_for(R"(graflow_build_info{version=")" GRAFLOW_VERSION R"("})", one_value(1));

  // Redis away: the scrape still succeeds (up 1), graflow_redis_up turns 0, and the depth
  // series goes stale in that same scrape, so an instant query finds nothing (the HPA
  // then holds instead of scaling down on an empty-looking queue).
  redis.stop();
  prometheus.wait_for("graflow_redis_up", one_value(0));
  CHECK(prometheus.query("graflow_queue_depth").empty());
  CHECK(sample_value(prometheus.query(R"(up{job="graflow"})").at(0)) == 1);
  prometheus.wait_for("graflow_exporter_scrape_errors_total", [](const json& r) {
    return r.size() == 1 && sample_value(r[0]) >= 1;
  });
  const auto page = http(exporter.url("/metrics"));
  CHECK(page.status == 200);
  CHECK(sample_lines(page.body, "graflow_queue_depth").empty());

  // Redis back on the same port (empty: no persistence): the exporter reconnects alone.
  redis.start();
  redis.push("graflow:queue", 3);
  prometheus.wait_for(depth, one_value(3));
  prometheus.wait_for("graflow_redis_up", one_value(1));
  CHECK(exporter.process().running());
}
