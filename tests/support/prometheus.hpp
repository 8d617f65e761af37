#pragma once
// A real Prometheus (Debian package) for integration tests: scrapes the given targets every
// second, listens on a free loopback port, keeps its TSDB in a temporary directory and is
// stopped by PID. Queries go through its HTTP API (libcurl + nlohmann-json).
//
//   PrometheusServer prom({"127.0.0.1:" + std::to_string(exporter_port)});
//   auto result = prom.wait_for("graflow_queue_depth", [](const json& r) { return r.size() == 1; });
//   CHECK(sample_value(result[0]) == 3);
#include "harness.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace graflow::testing {

struct PrometheusOptions {
  std::string job = "graflow";                   // job_name (and the `job` label)
  std::string metrics_path = "/metrics";
  std::chrono::milliseconds scrape_interval{1000}; // also the scrape timeout
  std::map<std::string, std::string> labels;     // added to every target (e.g. namespace)
  std::vector<std::string> extra_args;           // passed to prometheus
};

class PrometheusServer {
public:
  // Starts Prometheus and waits (up to 30 s) until /-/ready answers; throws with its log
  // if it exits or never gets ready.
  explicit PrometheusServer(std::vector<std::string> targets, PrometheusOptions options = {});
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // http://127.0.0.1:PORT (no trailing slash).
  [[nodiscard]] std::string url() const;
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return process_->pid(); }

  // An instant query (/api/v1/query). Returns data.result: for a vector, an array of
  // {"metric": {labels}, "value": [time, "value"]}. Throws std::runtime_error when
  // Prometheus answers an error (bad PromQL) or cannot be reached.
  [[nodiscard]] nlohmann::json query(const std::string& promql) const;

  // Repeats query(promql) every 200 ms until `predicate(result)` holds, and returns that
  // result. Throws std::runtime_error naming the query and the last result on timeout.
  nlohmann::json wait_for(const std::string& promql, const std::function<bool(const nlohmann::json&)>& predicate,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

  // GET url()+path_and_query, parsed as JSON (for /api/v1/targets, /api/v1/series...).
  [[nodiscard]] nlohmann::json get_json(const std::string& path_and_query) const;

  // Prometheus' own log (stderr), for failure messages.
  [[nodiscard]] std::string log() const;

private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

// The value of one sample of a vector result as a number ("NaN" and "+Inf" included).
double sample_value(const nlohmann::json& sample);

// A wait_for() predicate: exactly one series, with this value.
std::function<bool(const nlohmann::json&)> one_value(double expected);

// Options whose targets all carry namespace=`ns`, as a Kubernetes service discovery adds.
PrometheusOptions in_namespace(const std::string& ns);

// `text` in double quotes, with `"` and `\` escaped: a PromQL string, a YAML double-quoted
// scalar, and Go's %q, for printable text.
std::string double_quoted(const std::string& text);

// Percent-encodes `text` for a URL query string.
std::string url_encode(const std::string& text);

} // namespace graflow::testing
