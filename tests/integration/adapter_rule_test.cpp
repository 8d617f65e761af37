// The prometheus-adapter rule from `graflowctl adapter values`, evaluated the way the adapter
// evaluates it for the HPA that `graflowctl render` writes, against a real Prometheus
// scraping real `graflowctl exporter` processes reading a real redis-server.
//
// prometheus-adapter (pkg/naming/metrics_query.go, BuildExternal) answers
//   GET /apis/external.metrics.k8s.io/v1beta1/namespaces/NS/METRIC?labelSelector=SEL
// by executing the rule's metricsQuery as a Go template with `<<` `>>` delimiters:
//   .Series        the series name its discovery found through seriesQuery
//   .LabelMatchers the selector's requirements (sorted by key, `key="value"`), then the
//                  namespace matcher on the label mapped to the namespace resource,
//                  joined with ","
// This test performs that expansion (and fails on any template field it does not know),
// so a change to the rule, the HPA's selector or the exporter's labels breaks it.
#include "exporter_process.hpp"
#include "harness.hpp"
#include "prometheus.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>

using namespace graflow::testing;
using nlohmann::json;

namespace {

struct Rule {
  std::string series_query;
  std::string metrics_query;
  std::string namespace_label; // the Prometheus label mapped to the namespace resource
  std::string exposed_name;    // the external metric name the adapter serves
};

// The rule that serves the external metric `name`.
Rule adapter_rule(const std::string& name = "graflow_queue_depth") {
  const Result values = graflowctl({"adapter", "values"});
  REQUIRE_MESSAGE(values.code == 0, values.err);
  const YAML::Node doc = YAML::Load(values.out);
  const YAML::Node rules = doc["rules"]["external"];
  REQUIRE(rules.IsSequence());
  std::optional<std::size_t> index;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i]["name"]["as"].as<std::string>() == name) {
      REQUIRE_MESSAGE(!index, "two rules serve " << name);
      index = i;
    }
  }
  REQUIRE_MESSAGE(index, "no rule serves " << name);
  const YAML::Node rule = rules[*index];
  Rule r;
  r.series_query = rule["seriesQuery"].as<std::string>();
  r.metrics_query = rule["metricsQuery"].as<std::string>();
  r.exposed_name = rule["name"]["as"].as<std::string>();
  for (const auto& override_ : rule["resources"]["overrides"]) {
    if (override_.second["resource"].as<std::string>() == "namespace") {
      r.namespace_label = override_.first.as<std::string>();
    }
  }
  REQUIRE_FALSE(r.namespace_label.empty());
  return r;
}

struct HpaMetric {
  std::string name;
  std::map<std::string, std::string> match_labels; // sorted by key, as the adapter sees them
};

HpaMetric rendered_hpa_metric(const std::vector<std::string>& args = {"render", "-p", "prod"}) {
  const Result rendered = graflowctl(args);
  REQUIRE_MESSAGE(rendered.code == 0, rendered.err);
  for (const YAML::Node& doc : YAML::LoadAll(rendered.out)) {
    if (!doc["kind"] || doc["kind"].as<std::string>() != "HorizontalPodAutoscaler") {
      continue;
    }
    const YAML::Node metrics = doc["spec"]["metrics"];
    REQUIRE(metrics.size() == 1);
    REQUIRE(metrics[0]["type"].as<std::string>() == "External");
    const YAML::Node metric = metrics[0]["external"]["metric"];
    HpaMetric m;
    m.name = metric["name"].as<std::string>();
    for (const auto& label : metric["selector"]["matchLabels"]) {
      m.match_labels[label.first.as<std::string>()] = label.second.as<std::string>();
    }
    return m;
  }
  FAIL("render printed no HorizontalPodAutoscaler");
  return {};
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// The PromQL prometheus-adapter runs for an HPA in `ns` asking for `metric`.
std::string expand(const Rule& rule, const std::string& series, const std::string& ns, const HpaMetric& metric) {
  std::string matchers;
  for (const auto& [key, value] : metric.match_labels) {
    matchers += (matchers.empty() ? "" : ",") + key + "=" + double_quoted(value);
  }
  matchers += (matchers.empty() ? "" : ",") + rule.namespace_label + "=" + double_quoted(ns);
  std::string query = rule.metrics_query;
  replace_all(query, "<<.Series>>", series);
  replace_all(query, "<<.LabelMatchers>>", matchers);
  REQUIRE_MESSAGE(query.find("<<") == std::string::npos, "a template field this test does not expand: " << query);
  return query;
}

} // namespace

TEST_CASE("the adapter rule, expanded as prometheus-adapter does, is the queue depth and never doubled") {
  const Rule rule = adapter_rule();
  const HpaMetric metric = rendered_hpa_metric();
  CHECK(metric.name == rule.exposed_name);
  REQUIRE(metric.match_labels.count("key_prefix") == 1);
  const std::string prefix = metric.match_labels.at("key_prefix");

  RedisServer redis;
  redis.push(prefix + ":queue", 42);
  redis.push("other:queue", 5);
  // Two exporter replicas, each exporting both queues: Prometheus stores every series twice.
  const std::vector<std::string> args = {"--redis-url", redis.url(), "--key-prefix", prefix, "--key-prefix", "other"};
  ExporterProcess first(args);
  ExporterProcess second(args);
  PrometheusServer prometheus({first.target(), second.target()}, in_namespace("workers"));

  const std::string both = "graflow_queue_depth{key_prefix=" + double_quoted(prefix) + "}";
  prometheus.wait_for(both, [](const json& r) { return r.size() == 2; });
  // The adapter's discovery: seriesQuery finds the series; its name becomes .Series.
  const json found = prometheus.query(rule.series_query);
  REQUIRE(found.size() == 4);
  const std::string series = found[0]["metric"]["__name__"].get<std::string>();
  CHECK(series == rule.exposed_name);

  const std::string query = expand(rule, series, "workers", metric);
  INFO("expanded metricsQuery: " << query);
  CHECK(query == "max(graflow_queue_depth{key_prefix=\"graflow\",namespace=\"workers\"}) by (key_prefix, queue)");

  // One sample, the depth of this queue alone: not summed over the two exporters, not
  // mixed with the other queue.
  json result = prometheus.wait_for(query, one_value(42));
  CHECK(result[0]["metric"]["key_prefix"] == prefix);
  // The setup really has two copies: a sum would have doubled the depth.
  CHECK(sample_value(prometheus.query("sum(" + both + ")")[0]) == 84);

  // It follows the queue.
  redis.push(prefix + ":queue", 8);
  prometheus.wait_for(query, one_value(50));
  redis.command({"LPOP", prefix + ":queue", "45"});
  prometheus.wait_for(query, one_value(5));

  // One exporter replica gone: the value stays the same once its series goes stale.
  second.process().signal(SIGTERM);
  REQUIRE(second.process().wait(std::chrono::seconds(5)) == 0);
  prometheus.wait_for(both, [](const json& r) { return r.size() == 1; });
  CHECK(sample_value(prometheus.query(query).at(0)) == 5);

  // An HPA in another namespace gets nothing from these series.
  CHECK(prometheus.query(expand(rule, series, "elsewhere", metric)).empty());
}

TEST_CASE("a BullMQ queue with scaleOn: waiting+in_flight: render, the exporter and the adapter rule agree") {
  TempDir dir;
  write_text(dir / "graflow.yaml", "profiles:\n"
                                   "  mail:\n"
                                   "    extends: prod\n"
                                   "    queue: bullmq:mail\n"
                                   "    scaleOn: waiting+in_flight\n");
  const HpaMetric metric = rendered_hpa_metric({"--config", (dir / "graflow.yaml").string(), "render", "-p", "mail"});
  CHECK(metric.name == "graflow_queue_load");
  CHECK(metric.match_labels == std::map<std::string, std::string>{{"queue", "mail"}});
  const Rule rule = adapter_rule(metric.name);

  RedisServer redis;
  redis.push("graflow:queue", 3);      // a graflow-layout queue beside it, in the same exporter
  redis.push("bull:mail:wait", 6);     // waiting
  redis.push("bull:mail:active", 2);   // in flight
  const std::vector<std::string> args = {"--redis-url", redis.url(), "--key-prefix", "graflow", "--queue",
                                         "bullmq:mail"};
  ExporterProcess first(args);
  ExporterProcess second(args);
  PrometheusServer prometheus({first.target(), second.target()}, in_namespace("workers"));
  prometheus.wait_for("graflow_queue_load{queue=\"mail\"}", [](const json& r) { return r.size() == 2; });
  const json found = prometheus.query(rule.series_query);
  REQUIRE(found.size() == 2); // only the BullMQ queue has a load series: the graflow layout records no in flight
  const std::string series = found[0]["metric"]["__name__"].get<std::string>();
  CHECK(series == "graflow_queue_load");
  const std::string query = expand(rule, series, "workers", metric);
  CHECK(query == "max(graflow_queue_load{queue=\"mail\",namespace=\"workers\"}) by (key_prefix, queue)");
  json result = prometheus.wait_for(query, one_value(8)); // 6 waiting + 2 in flight, not doubled
  CHECK(result[0]["metric"]["queue"] == "mail");
  redis.command({"LPOP", "bull:mail:wait", "6"});          // the queue is empty, two tasks still running
  prometheus.wait_for(query, one_value(2));

  // The same queue's waiting count through the depth rule, selected by queue=.
  const Rule depth_rule = adapter_rule("graflow_queue_depth");
  HpaMetric depth_metric = metric;
  depth_metric.name = "graflow_queue_depth";
  const std::string depth_query = expand(depth_rule, "graflow_queue_depth", "workers", depth_metric);
  CHECK(depth_query == "max(graflow_queue_depth{queue=\"mail\",namespace=\"workers\"}) by (key_prefix, queue)");
  prometheus.wait_for(depth_query, one_value(0));
}
