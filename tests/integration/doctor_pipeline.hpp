#pragma once
// The whole pipeline for the doctor tests: a real Redis (plaintext or TLS), the real
// exporter, a real Prometheus scraping it, and the fake API server standing in for the
// cluster (its service proxy reaches the exporter; the APIService, external metric and HPA
// status are set through its control API, as prometheus-adapter and the HPA controller would).
#include "exporter_process.hpp"
#include "apiserver/fake_apiserver.hpp"
#include "harness.hpp"
#include "prometheus.hpp"

#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>

namespace graflow::testing {

inline const std::string k_doctor_hpa =
    "/apis/autoscaling/v2/namespaces/work/horizontalpodautoscalers/graflow-worker-hpa";

// How graflowctl (the exporter and doctor) reaches the pipeline's Redis.
struct PipelineRedis {
  RedisOptions options;
  bool tls = false;                  // use the TLS port and a rediss:// URL
  std::vector<std::string> flags;    // global flags, e.g. --redis-ca-file
};

struct Pipeline {
  PipelineRedis how;
  RedisServer redis;
  ExporterProcess exporter;
  PrometheusServer prometheus;
  FakeApiServer api;
  TempDir state;

  static PrometheusOptions prometheus_options() {
    PrometheusOptions o;
    o.labels = {{"namespace", "work"}};
    return o;
  }

  std::string redis_url() const { return how.tls ? redis.tls_url() : redis.url(); }

  explicit Pipeline(PipelineRedis redis_how = {})
      : how(std::move(redis_how)), redis(how.options),
        exporter({"--key-prefix", "graflow"}, env({"GRAFLOW_REDIS_URL=" + redis_url()}), how.flags),
        prometheus({exporter.target()}, prometheus_options()) {
    redis.push("graflow:queue", 137);
    REQUIRE(run({"deploy", "-p", "prod"}).code == 0);
    nlohmann::json svc = api.get_object("/api/v1/namespaces/work/services/graflow-exporter").value();
    svc["metadata"]["annotations"]["fake.graflow.io/proxy-to"] = "http://" + exporter.target();
    api.put_object(svc);
    set_apiservice("True");
    api.set_external_metric("work", "graflow_queue_depth", {{"key_prefix", "graflow"}}, "137");
    set_hpa_status("True", "9785m");
    prometheus.wait_for("graflow_queue_depth{key_prefix=\"graflow\"}",
                        [](const nlohmann::json& r) { return r.size() == 1 && r[0]["value"][1] == "137"; });
  }

  // graflowctl ARGS against this pipeline; `redis_flags` replace the pipeline's own.
  Result run(std::vector<std::string> args, const std::vector<std::string>* redis_flags = nullptr) {
    std::vector<std::string> global = {"--kubeconfig", api.kubeconfig_path().string(), "-n", "work", "--redis-url",
                                       redis_url(), "--redis-timeout", "500ms", "--request-timeout", "3s"};
    const auto& flags = redis_flags != nullptr ? *redis_flags : how.flags;
    global.insert(global.end(), flags.begin(), flags.end());
    args.insert(args.begin(), global.begin(), global.end());
    return graflowctl(args, env({"XDG_STATE_HOME=" + state.path().string()}));
  }
  Result doctor(std::vector<std::string> extra = {}, const std::vector<std::string>* redis_flags = nullptr) {
    std::vector<std::string> args = {"doctor", "-p", "prod", "--prometheus-url", prometheus.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, redis_flags);
  }
  void set_apiservice(const std::string& available) {
    api.put_object({{"apiVersion", "apiregistration.k8s.io/v1"},
                    {"kind", "APIService"},
                    {"metadata", {{"name", "v1beta1.external.metrics.k8s.io"}}},
                    {"spec", {{"group", "external.metrics.k8s.io"}, {"version", "v1beta1"}, {"groupPriorityMinimum", 100}, {"versionPriority", 100}, {"service", {{"namespace", "monitoring"}, {"name", "prometheus-adapter"}}}}},
                    {"status", {{"conditions", {{{"type", "Available"}, {"status", available}, {"reason", available == "True" ? "Passed" : "FailedDiscoveryCheck"}, {"message", "m"}}}}}}});
  }
  void set_hpa_status(const std::string& active, const std::string& average) {
    nlohmann::json hpa = api.get_object(k_doctor_hpa).value();
    hpa["status"] = {{"currentReplicas", 14},
                     {"desiredReplicas", 14},
                     {"currentMetrics", {{{"type", "External"}, {"external", {{"metric", {{"name", "graflow_queue_depth"}}}, {"current", {{"averageValue", average}}}}}}}},
                     {"conditions", {{{"type", "AbleToScale"}, {"status", "True"}, {"reason", "ReadyForNewScale"}, {"message", "ok"}},
                                     {{"type", "ScalingActive"}, {"status", active}, {"reason", active == "True" ? "ValidMetricFound" : "FailedGetExternalMetric"}, {"message", "m"}}}}};
    api.put_object(hpa);
  }
};

// name -> status of each check in `doctor -o json`.
inline std::map<std::string, std::string> doctor_statuses(const Result& r) {
  std::map<std::string, std::string> out;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  for (const auto& c : doc.at("checks")) {
    out[c.at("name").get<std::string>()] = c.at("status").get<std::string>();
  }
  return out;
}

} // namespace graflow::testing
