#include "graflow/actions/simulate.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/simulate/load.hpp"
#include "graflow/simulate/prometheus.hpp"
#include "graflow/simulate/report.hpp"
#include "graflow/simulate/svg.hpp"

#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {
namespace {

using namespace graflow::simulate;

std::int64_t ms_of(const std::string& text, const char* flag) {
  const auto d = parse_duration(text, flag).count();
  if (d < 0) {
    throw usage_error(fmt::format("{} must not be negative", flag));
  }
  return d;
}

// The user:password@ of `url`, empty when it has none.
std::string userinfo_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    return {};
  }
  const auto at = url.find('@', scheme + 3);
  const auto slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) {
    return {};
  }
  return url.substr(scheme + 3, at + 1 - (scheme + 3));
}

// `text` with the URL's credentials replaced: they never reach an error or the output.
std::string redacted(std::string text, const std::string& url) {
  const std::string secret = userinfo_of(url);
  if (secret.empty()) {
    return text;
  }
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "REDACTED@");
  }
  return text;
}

struct Load {
  bool closed = false;
  Trace trace;
  std::string what; // for the text header
};

Load load_of(const SimulateOptions& o, const HttpClientFactory& http, std::optional<std::int64_t> duration_ms,
             std::int64_t step_ms) {
  std::vector<std::string> given;
  if (!o.depth_trace.empty()) {
    given.emplace_back("--depth-trace");
  }
  if (!o.from_prometheus.empty()) {
    given.emplace_back("--from-prometheus");
  }
  if (!o.arrivals_trace.empty()) {
    given.emplace_back("--arrivals-trace");
  }
  if (!o.load.empty()) {
    given.emplace_back("--load");
  }
  if (given.empty()) {
    throw usage_error("simulate needs a load: --depth-trace FILE, --from-prometheus URL, --arrivals-trace FILE "
                      "or --load SPEC");
  }
  if (given.size() > 1) {
    throw usage_error(fmt::format("give one load, not both {} and {}", given[0], given[1]));
  }
  if (o.from_prometheus.empty() && (!o.start.empty() || !o.end.empty())) {
    throw usage_error("--start and --end go with --from-prometheus");
  }
  Load load;
  load.closed = !o.arrivals_trace.empty() || !o.load.empty();
  if (load.closed && !o.per_worker_rate) {
    throw usage_error(fmt::format("a closed loop ({}) needs --per-worker-rate R (tasks/s one worker finishes)", given[0]));
  }
  if (!load.closed && o.per_worker_rate) {
    throw usage_error(fmt::format("--per-worker-rate is for a closed loop (--arrivals-trace or --load), not {}", given[0]));
  }
  if (o.per_worker_rate && !(*o.per_worker_rate > 0 && *o.per_worker_rate < 1e9)) {
    throw usage_error("--per-worker-rate must be a number of tasks/s greater than zero");
  }
  if (!o.depth_trace.empty()) {
    load.trace = read_trace(o.depth_trace, TraceKind::depth);
    load.what = "depth trace " + o.depth_trace;
  } else if (!o.arrivals_trace.empty()) {
    load.trace = read_trace(o.arrivals_trace, TraceKind::arrivals);
    load.what = "arrivals trace " + o.arrivals_trace;
  } else if (!o.load.empty()) {
    const LoadSpec spec = parse_load(o.load);
    if (!duration_ms) {
      throw usage_error("--load needs --duration D (how long the generated load runs)");
    }
    load.trace = generate_load(spec, *duration_ms, step_ms);
    load.what = "load " + o.load;
  } else {
    if (o.start.empty() || o.end.empty()) {
      throw usage_error("--from-prometheus needs --start T and --end T (RFC 3339 or Unix seconds)");
    }
    RangeQuery q;
    q.base_url = o.from_prometheus;
    q.key_prefix = o.profile.key_prefix;
    q.start = o.start;
    q.end = o.end;
    q.step = std::chrono::milliseconds(step_ms);
    auto client = http();
    try {
      load.trace = fetch_depth(*client, q);
    } catch (const Error& e) {
      throw Error(e.code(), redacted(e.what(), q.base_url));
    }
    load.what = fmt::format("graflow_queue_depth{{key_prefix=\"{}\"}} from {}", q.key_prefix, redacted(q.base_url, q.base_url));
  }
  return load;
}

PlotData plot_of(const std::vector<NamedRun>& runs, std::int64_t end_ms, const std::string& title) {
  PlotData data;
  data.title = title;
  data.end_s = static_cast<double>(end_ms) / 1000.0;
  const bool per_run_depth = runs.front().result.closed;
  for (const auto& r : runs) {
    PlotSeries depth{per_run_depth ? "depth (" + r.profile + ")" : "depth", {}, {}};
    PlotSeries replicas{"replicas (" + r.profile + ")", {}, {}};
    for (const auto& s : r.result.syncs) {
      const double t = static_cast<double>(s.t_ms) / 1000.0;
      depth.t.push_back(t);
      depth.y.push_back(static_cast<double>(s.depth));
      replicas.t.push_back(t);
      replicas.y.push_back(s.replicas);
    }
    if (per_run_depth || data.depth.empty()) {
      data.depth.push_back(std::move(depth));
    }
    data.replicas.push_back(std::move(replicas));
  }
  return data;
}

} // namespace

void run_simulate(const SimulateOptions& o, const HttpClientFactory& http, std::ostream& out) {
  ModelOptions model;
  model.step_ms = ms_of(o.step.empty() ? (o.from_prometheus.empty() ? "1s" : "15s") : o.step, "--step");
  model.sync_period_ms = ms_of(o.sync_period, "--sync-period");
  model.metric_delay_ms = ms_of(o.metric_delay, "--metric-delay");
  model.pod_startup_ms = ms_of(o.pod_startup, "--pod-startup");
  model.flags.downscale_stabilization = std::chrono::milliseconds(ms_of(o.downscale_stabilization, "--downscale-stabilization"));
  if (!(o.tolerance >= 0 && o.tolerance < 1)) {
    throw usage_error(fmt::format("--tolerance {} must be at least 0 and below 1", o.tolerance));
  }
  model.flags.tolerance = o.tolerance;
  if (o.start_replicas) {
    if (*o.start_replicas < 0) {
      throw usage_error("--start-replicas must not be negative");
    }
    model.start_replicas = *o.start_replicas;
  }
  std::optional<std::int64_t> duration_ms;
  if (!o.duration.empty()) {
    duration_ms = ms_of(o.duration, "--duration");
  }
  if (!o.tune && (!o.max_wait.empty() || !o.min_replicas_range.empty() || !o.max_replicas_range.empty() ||
                  !o.average_value_range.empty())) {
    throw usage_error("--max-wait, --min-replicas, --max-replicas and --average-value go with --tune");
  }
  if (o.tune && o.max_wait.empty()) {
    throw usage_error("--tune needs --max-wait D (the p99 wait the tuned profile must keep)");
  }
  if (o.tune && o.compare) {
    throw usage_error("--tune and --compare do not go together: tune one profile, then compare with the result");
  }
  if (model.step_ms <= 0) {
    throw usage_error("--step must be greater than zero");
  }
  Load load = load_of(o, http, duration_ms, model.step_ms);
  if (o.tune && !load.closed) {
    throw usage_error("--tune needs a closed loop (--arrivals-trace or --load): waits need arrivals");
  }
  model.end_ms = duration_ms.value_or(load.trace.end_ms());
  if (!duration_ms && model.end_ms % model.step_ms != 0) {
    throw usage_error(fmt::format("the trace ends at {}, not a whole multiple of --step {}: pass --duration",
                                  format_duration(std::chrono::milliseconds(model.end_ms)),
                                  format_duration(std::chrono::milliseconds(model.step_ms))));
  }
  check_steps(model);
  if (o.per_worker_rate) {
    model.per_worker_rate = *o.per_worker_rate;
  }

  std::vector<NamedRun> runs;
  auto run_one = [&](const config::Profile& p) {
    const HpaSpec spec = hpa_spec_of(p);
    runs.push_back({p.name, load.closed ? run_closed(spec, load.trace, model) : run_open(spec, load.trace, model)});
  };
  run_one(o.profile);
  if (o.compare) {
    run_one(*o.compare);
  }
  std::optional<TuneReport> tuned;
  if (o.tune) {
    TuneOptions t = default_ranges(o.profile);
    t.max_wait_ms = ms_of(o.max_wait, "--max-wait");
    if (!o.min_replicas_range.empty()) {
      t.min_replicas = parse_range(o.min_replicas_range, "--min-replicas", true);
    }
    if (!o.max_replicas_range.empty()) {
      t.max_replicas = parse_range(o.max_replicas_range, "--max-replicas", false);
    }
    if (!o.average_value_range.empty()) {
      t.average_value = parse_range(o.average_value_range, "--average-value", false);
    }
    tuned = TuneReport{t.max_wait_ms, tune(o.profile, load.trace, model, t)};
  }
  const std::string title = fmt::format("graflowctl simulate: {}{}", o.profile.name,
                                        o.compare ? " vs " + o.compare->name : std::string());
  if (!o.svg.empty()) {
    write_svg(o.svg, plot_of(runs, model.end_ms, title));
  }
  if (o.format != Format::text) {
    write_structured(out, report_json(runs, tuned), o.format);
    return;
  }
  out << fmt::format("{} loop on {}: {}, sync every {}, metric delay {}{}\n", load.closed ? "closed" : "open",
                     load.what, format_duration(std::chrono::milliseconds(model.end_ms)), o.sync_period,
                     o.metric_delay,
                     load.closed ? fmt::format(", pod start-up {}, {} tasks/s per worker", o.pod_startup,
                                               model.per_worker_rate)
                                 : std::string());
  if (o.chart) {
    out << '\n';
    write_chart(out, runs, model.end_ms, o.chart_width);
  }
  out << '\n';
  write_summary_table(out, runs);
  if (tuned) {
    write_tune(out, runs.front(), *tuned);
  }
  if (!o.svg.empty()) {
    out << fmt::format("\nwrote {}\n", o.svg);
  }
}

} // namespace graflow::actions
