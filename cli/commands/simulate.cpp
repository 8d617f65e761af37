// graflowctl simulate --profile NAME LOAD [MODEL] [--compare PROFILE] [--svg FILE] [--tune --max-wait D]
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/simulate.hpp"
#include "graflow/net/module.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct SimulateFlags {
  std::string profile;
  std::vector<std::string> sets;
  std::string compare;
  double per_worker_rate = 0;
  int start_replicas = 0;
  bool chart = false;
  actions::SimulateOptions options;
  CLI::Option* rate_flag = nullptr;
  CLI::Option* start_flag = nullptr;
  CLI::Option* chart_flag = nullptr;
};

} // namespace

void setup_simulate(CLI::App& app, Globals& g) {
  auto f = std::make_shared<SimulateFlags>();
  auto& o = f->options;
  auto* cmd = app.add_subcommand("simulate", "replay a load against a profile's HPA and queue (what-if, tuning)");
  cmd->add_option("-p,--profile", f->profile, "profile to simulate (default: the config's defaultProfile)");
  cmd->add_option("--set", f->sets, "override one value of the profile, KEY=VALUE (repeatable)");
  cmd->add_option("--depth-trace", o.depth_trace, "open loop: CSV \"seconds,depth\", the recorded queue depth");
  cmd->add_option("--from-prometheus", o.from_prometheus, "open loop on graflow_queue_depth recorded in Prometheus at URL");
  cmd->add_option("--start", o.start, "with --from-prometheus: start of the range (RFC 3339 or Unix seconds)");
  cmd->add_option("--end", o.end, "with --from-prometheus: end of the range");
  cmd->add_option("--arrivals-trace", o.arrivals_trace, "closed loop: CSV \"seconds,tasks\", tasks arriving then");
  cmd->add_option("--load", o.load, "closed loop generator: steady:rate=R | burst:tasks=N,every=D | daily:low=L,high=H (joined with +)");
  f->rate_flag = cmd->add_option("--per-worker-rate", f->per_worker_rate, "tasks/s one ready worker finishes (closed loop)")
                     ->check(positive_number());
  cmd->add_option("--pod-startup", o.pod_startup, "time from a scale-up to the new pod being ready");
  cmd->add_option("--metric-delay", o.metric_delay, "age of the depth the HPA sees (scrape + adapter)");
  cmd->add_option("--sync-period", o.sync_period, "HPA sync period (--horizontal-pod-autoscaler-sync-period)");
  cmd->add_option("--tolerance", o.tolerance, "HPA tolerance (--horizontal-pod-autoscaler-tolerance)");
  cmd->add_option("--downscale-stabilization", o.downscale_stabilization, "HPA downscale stabilization window");
  f->start_flag = cmd->add_option("--start-replicas", f->start_replicas, "replicas at t = 0 (default minReplicas; 0 allowed)")
                      ->check(whole_number(0, 2147483647, "replicas is an int32 in the Kubernetes API"));
  cmd->add_option("--duration", o.duration, "length of the run (default: the trace's last row)");
  cmd->add_option("--step", o.step, "time step (default 1s; 15s with --from-prometheus, also the query's step)");
  cmd->add_option("--svg", o.svg, "also draw depth and replicas over time into FILE (SVG)");
  f->chart_flag = cmd->add_flag("--chart,!--no-chart", f->chart, "terminal chart of depth and replicas (default: on a terminal)");
  cmd->add_option("--compare", f->compare, "run a second profile on the same load, side by side");
  cmd->add_flag("--tune", o.tune, "search minReplicas, maxReplicas, averageValue and behavior for the cheapest profile within --max-wait");
  cmd->add_option("--max-wait", o.max_wait, "with --tune: the p99 wait the profile must keep");
  cmd->add_option("--min-replicas", o.min_replicas_range, "with --tune: minReplicas range A..B");
  cmd->add_option("--max-replicas", o.max_replicas_range, "with --tune: maxReplicas range A..B");
  cmd->add_option("--average-value", o.average_value_range, "with --tune: averageValue range A..B");
  cmd->callback([&g, f] {
    g.action = [&g, f] {
      actions::SimulateOptions options = f->options;
      const auto services = make_services(g, ProfileUse::required("simulate", f->profile, f->sets));
      options.profile = services.profile();
      if (!f->compare.empty()) {
        options.compare = make_services(g, ProfileUse::required("simulate --compare", f->compare, {})).profile();
      }
      if (f->rate_flag->count() > 0) {
        options.per_worker_rate = f->per_worker_rate;
      }
      if (f->start_flag->count() > 0) {
        options.start_replicas = f->start_replicas;
      }
      options.chart = f->chart_flag->count() > 0 ? f->chart : services.terminal;
      options.format = services.resolved.format;
      actions::run_simulate(
          options, [&services] { return services.http(net::ClientOptions{}); }, *g.out);
    };
  });
}

} // namespace graflow::cli
