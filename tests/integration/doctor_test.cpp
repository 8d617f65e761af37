// `graflowctl doctor` against the whole pipeline (doctor_pipeline.hpp): a real Redis, the
// real exporter, a real Prometheus, the fake API server; then each link broken on its own.
#include "doctor_pipeline.hpp"

#include <doctest/doctest.h>

using namespace graflow::testing;
using nlohmann::json;

namespace {

const std::string& k_hpa = k_doctor_hpa;

std::map<std::string, std::string> statuses(const Result& r) { return doctor_statuses(r); }

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

} // namespace

TEST_CASE("doctor: a healthy pipeline, then each link broken on its own") {
  Pipeline p;
  auto healthy = p.doctor();
  CHECK_MESSAGE(healthy.code == 0, healthy.out << healthy.err);
  CHECK(has(healthy.out, "✓ Redis 127.0.0.1:" + std::to_string(p.redis.port()) +
                            " (plaintext): graflow:queue holds 137 tasks\n"));
  CHECK(has(healthy.out, "✓ exporter deployment.apps/graflow-exporter available"));
  CHECK(has(healthy.out, "✓ exporter /metrics: graflow_queue_depth{key_prefix=\"graflow\"} 137"));
  CHECK(has(healthy.out, "✓ Prometheus has graflow_queue_depth{key_prefix=\"graflow\"} = 137"));
  CHECK(has(healthy.out, "✓ APIService v1beta1.external.metrics.k8s.io Available"));
  CHECK(has(healthy.out, "✓ external metric graflow_queue_depth{key_prefix=graflow} in namespace work = 137"));
  CHECK(has(healthy.out, "✓ HPA graflow-worker-hpa: scaleTargetRef apps/v1 Deployment graflow-worker"));
  CHECK(has(healthy.out, "✓ HPA conditions: AbleToScale=True, ScalingActive=True"));
  CHECK(has(healthy.out, "✓ HPA metric agrees with the queue"));
  CHECK_FALSE(has(healthy.out, "✗"));

  SUBCASE("the APIService is not Available") {
    p.set_apiservice("False");
    auto r = p.doctor({"-o", "json"});
    CHECK(r.code == 1);
    const auto s = statuses(r);
    CHECK(s.at("apiservice") == "fail");
    CHECK(s.at("redis") == "ok");
    CHECK(s.at("prometheus") == "ok");
  }
  SUBCASE("the HPA cannot get its metric") {
    p.set_hpa_status("False", "9785m");
    auto r = p.doctor();
    CHECK(r.code == 1);
    CHECK(has(r.out, "✗ HPA conditions: ScalingActive=False (FailedGetExternalMetric: m)"));
    CHECK(has(r.out, "  hint: kubectl -n work describe hpa graflow-worker-hpa"));
  }
  SUBCASE("the HPA has no scaleTargetRef.apiVersion (the seed's flaw)") {
    json hpa = p.api.get_object(k_hpa).value();
    hpa["spec"]["scaleTargetRef"].erase("apiVersion");
    p.api.put_object(hpa);
    auto r = p.doctor({"-o", "json"});
    CHECK(r.code == 1);
    CHECK(statuses(r).at("hpa") == "fail");
  }
  SUBCASE("the workers use another layout: graflow:queue is missing, bull:graflow:wait is not") {
    p.redis.command({"DEL", "graflow:queue"});
    p.redis.push("bull:graflow:wait", 4);
    auto r = p.doctor();
    CHECK(has(r.out, "! Redis " ));
    CHECK(has(r.out, "graflow:queue does not exist, but bull:graflow:wait does: the workers may use another layout"));
    CHECK(has(r.out, "  hint: name the queue with queue: bullmq:graflow in the profile (or --queue bullmq:graflow)"));
  }
  SUBCASE("the HPA sees a different number than the queue") {
    p.set_hpa_status("True", "1");
    auto r = p.doctor({"-o", "json"});
    CHECK(r.code == 0);
    CHECK(statuses(r).at("hpa-metric") == "warn");
  }
  SUBCASE("an emergency scale has detached the HPA: a warning, not a failure") {
    REQUIRE(p.run({"scale", "--emergency", "3", "-p", "prod"}).code == 0);
    auto r = p.doctor();
    CHECK(has(r.out, "! HPA graflow-worker-hpa is detached by an emergency scale since "));
    CHECK(has(r.out, "  hint: graflowctl scale --reattach restores it"));
  }
  SUBCASE("Prometheus is not where it is said to be") {
    auto r = p.run({"doctor", "-p", "prod", "--prometheus-url", "http://127.0.0.1:" + std::to_string(free_port())});
    CHECK(r.code == 1);
    CHECK(has(r.out, "✗ cannot query Prometheus (http://127.0.0.1:"));
    CHECK(has(r.out, "✓ APIService"));
  }
  SUBCASE("Prometheus does not have the series for this prefix") {
    auto r = p.run({"doctor", "-p", "prod", "--set", "keyPrefix=other", "--prometheus-url", p.prometheus.url(), "-o",
                    "json"});
    CHECK(r.code == 1);
    const auto s = statuses(r);
    CHECK(s.at("prometheus") == "fail");
    CHECK(s.at("exporter-metrics") == "fail");
    CHECK(s.at("external-metric") == "fail");
  }
  SUBCASE("Redis is down") {
    p.redis.stop();
    auto r = p.doctor({"-o", "json"});
    CHECK(r.code == 1);
    const auto s = statuses(r);
    CHECK(s.at("redis") == "fail");
    CHECK(s.at("exporter-metrics") == "fail");
    CHECK(s.at("apiservice") == "ok");
    const json redis = json::parse(r.out)["checks"][0];
    CHECK(redis["message"] == "cannot reach Redis at 127.0.0.1:" + std::to_string(p.redis.port()) +
                                  ": connection refused");
    CHECK(redis["hint"] == "nothing listens there: is Redis running, and is that its port? Set it with --redis-url "
                           "(or $GRAFLOW_REDIS_URL)");
  }
  SUBCASE("the exporter Deployment is missing") {
    HttpRequest del;
    del.method = "DELETE";
    del.path = "/apis/apps/v1/namespaces/work/deployments/graflow-exporter";
    del.token = p.api.token();
    REQUIRE(p.api.send(del).status == 200);
    auto r = p.doctor({"-o", "json"});
    CHECK(r.code == 1);
    CHECK(statuses(r).at("exporter-deployment") == "fail");
  }
}
