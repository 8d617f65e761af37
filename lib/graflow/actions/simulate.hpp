#pragma once
// `graflowctl simulate`: replay a load against a profile's HPA (DESIGN.md §9) and print the
// timeline, the summary, a chart, an SVG, a comparison or a tuned profile.
#include "graflow/config/profile.hpp"
#include "graflow/core/output.hpp"
#include "graflow/net/http.hpp"

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace graflow::actions {

// The flags as the user typed them; run_simulate validates every combination.
struct SimulateOptions {
  config::Profile profile;
  std::optional<config::Profile> compare;

  // LOAD: exactly one of these
  std::string depth_trace;
  std::string from_prometheus;
  std::string start; // --start / --end with --from-prometheus (RFC 3339 or Unix seconds)
  std::string end;
  std::string arrivals_trace;
  std::string load;

  // MODEL
  std::optional<double> per_worker_rate;
  std::string pod_startup = "30s";
  std::string metric_delay = "30s";
  std::string sync_period = "15s";
  double tolerance = 0.1;
  std::string downscale_stabilization = "5m";
  std::optional<int> start_replicas;
  std::string duration; // empty: the trace's last row
  std::string step; // empty: 1s, or 15s with --from-prometheus (then also the query's resolution)

  // OUTPUT
  Format format = Format::text;
  std::string svg;
  bool chart = false; // the terminal chart (cli/ decides from --chart/--no-chart and isatty)
  int chart_width = 64;

  // TUNE
  bool tune = false;
  std::string max_wait;
  std::string min_replicas_range; // "A..B"
  std::string max_replicas_range;
  std::string average_value_range;
};

// Makes the HTTP client for --from-prometheus (the net module's, or a test's).
using HttpClientFactory = std::function<std::unique_ptr<net::HttpClient>()>;

// Runs the simulation(s) and writes text or JSON to `out`; a usage Error for bad
// combinations or inputs (exit 2), a failure Error when Prometheus or a file write fails.
void run_simulate(const SimulateOptions& options, const HttpClientFactory& http, std::ostream& out);

} // namespace graflow::actions
