#include "graflow/simulate/model.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fmt/format.h>

namespace graflow::simulate {
namespace {

HpaScalingRules rules_of(const config::ScalingRules& in, const char* where) {
  HpaScalingRules out;
  out.stabilization_window_seconds = in.stabilization_window_seconds;
  if (in.select_policy) {
    const auto& s = *in.select_policy;
    if (s == "Max") {
      out.select_policy = SelectPolicy::max;
    } else if (s == "Min") {
      out.select_policy = SelectPolicy::min;
    } else if (s == "Disabled") {
      out.select_policy = SelectPolicy::disabled;
    } else {
      throw usage_error(fmt::format("behavior.{}.selectPolicy \"{}\": expected Max, Min or Disabled", where, s));
    }
  }
  for (const auto& p : in.policies) {
    HpaPolicy policy;
    if (p.type == "Pods") {
      policy.type = HpaPolicy::Type::pods;
    } else if (p.type == "Percent") {
      policy.type = HpaPolicy::Type::percent;
    } else {
      throw usage_error(fmt::format("behavior.{}.policies type \"{}\": expected Pods or Percent", where, p.type));
    }
    policy.value = p.value;
    policy.period_seconds = p.period_seconds;
    out.policies.push_back(policy);
  }
  return out;
}

// Keeps the last `delay_steps + 1` depths, for the metric the HPA sees `delay` later.
class DepthHistory {
public:
  explicit DepthHistory(std::int64_t delay_steps) : ring_(static_cast<std::size_t>(delay_steps + 1), 0) {}
  void record(std::int64_t step_index, std::int64_t depth) { ring_[index(step_index)] = depth; }
  [[nodiscard]] std::int64_t at(std::int64_t step_index) const { return ring_[index(step_index)]; }

private:
  [[nodiscard]] std::size_t index(std::int64_t i) const { return static_cast<std::size_t>(i) % ring_.size(); }
  std::vector<std::int64_t> ring_;
};

// What both loops count about the scale.
struct ScaleTally {
  std::int32_t last_direction = 0;
  void apply(Summary& s, std::int32_t before, std::int32_t after) {
    if (after == before) {
      return;
    }
    ++s.scale_events;
    const std::int32_t direction = after > before ? 1 : -1;
    if (last_direction != 0 && direction != last_direction) {
      ++s.direction_changes;
    }
    last_direction = direction;
    s.peak_replicas = std::max(s.peak_replicas, after);
  }
};

SyncInput input_at(std::int64_t t, std::int32_t replicas, std::optional<std::int64_t> metric) {
  SyncInput in;
  in.now = Millis(t);
  in.spec_replicas = replicas;
  in.status_replicas = replicas;
  if (metric) {
    in.metric_milli = *metric * 1000;
  }
  return in;
}

} // namespace

HpaSpec hpa_spec_of(const config::Profile& profile) {
  HpaSpec spec;
  spec.min_replicas = profile.min_replicas;
  spec.max_replicas = profile.max_replicas;
  spec.target_average_milli = static_cast<std::int64_t>(profile.average_value) * 1000;
  if (profile.behavior) {
    HpaBehavior b;
    if (profile.behavior->scale_up) {
      b.scale_up = rules_of(*profile.behavior->scale_up, "scaleUp");
    }
    if (profile.behavior->scale_down) {
      b.scale_down = rules_of(*profile.behavior->scale_down, "scaleDown");
    }
    spec.behavior = b;
  }
  return spec;
}

void check_steps(const ModelOptions& o) {
  if (o.step_ms <= 0) {
    throw usage_error("--step must be greater than zero");
  }
  if (o.sync_period_ms <= 0) {
    throw usage_error("--sync-period must be greater than zero");
  }
  const std::pair<const char*, std::int64_t> checks[] = {{"--sync-period", o.sync_period_ms},
                                                         {"--metric-delay", o.metric_delay_ms},
                                                         {"--pod-startup", o.pod_startup_ms},
                                                         {"the end of the run", o.end_ms}};
  for (const auto& [name, value] : checks) {
    if (value < 0 || value % o.step_ms != 0) {
      throw usage_error(fmt::format("{} ({}) is not a whole multiple of --step {}", name,
                                    format_duration(std::chrono::milliseconds(value)),
                                    format_duration(std::chrono::milliseconds(o.step_ms))));
    }
  }
}

RunResult run_open(const HpaSpec& spec, const Trace& depth, const ModelOptions& o) {
  RunResult result;
  Controller hpa(spec, o.flags);
  std::int32_t replicas = o.start_replicas.value_or(spec.min_replicas);
  Summary& s = result.summary;
  s.peak_replicas = replicas;
  ScaleTally tally;
  std::size_t cursor = 0;
  std::size_t delayed = 0;
  const auto& points = depth.points;
  auto advance = [&](std::size_t& c, std::int64_t t) {
    while (c + 1 < points.size() && points[c + 1].t_ms <= t) {
      ++c;
    }
    return points.empty() || points[c].t_ms > t ? 0 : points[c].value;
  };
  std::int64_t max_depth = -1;
  std::int64_t t_max = 0;
  bool drained = false;
  std::int64_t d = 0;
  for (std::int64_t t = 0; t <= o.end_ms; t += o.step_ms) {
    d = advance(cursor, t);
    if (d > max_depth) {
      max_depth = d;
      t_max = t;
      drained = false;
      s.drain_ms.reset();
    } else if (!drained && d == 0) {
      drained = true;
      s.drain_ms = t - t_max;
    }
    if (t % o.sync_period_ms == 0) {
      std::optional<std::int64_t> metric;
      if (t >= o.metric_delay_ms) {
        metric = advance(delayed, t - o.metric_delay_ms);
      }
      const SyncResult r = hpa.sync(input_at(t, replicas, metric));
      tally.apply(s, replicas, r.replicas);
      replicas = r.replicas;
      if (o.timeline) {
        result.syncs.push_back({t, d, metric, r.proposal, replicas, replicas, r.conditions});
      }
    }
    s.worker_ms += static_cast<std::int64_t>(replicas) * o.step_ms;
  }
  if (max_depth <= 0) {
    s.drain_ms = 0;
  }
  s.final_depth = d;
  return result;
}

RunResult run_closed(const HpaSpec& spec, const Trace& arrivals, const ModelOptions& o) {
  RunResult result;
  result.closed = true;
  Controller hpa(spec, o.flags);
  std::int32_t replicas = o.start_replicas.value_or(spec.min_replicas);
  Summary& s = result.summary;
  s.peak_replicas = replicas;
  ScaleTally tally;

  struct Pods {
    std::int64_t ready_at;
    std::int32_t count;
  };
  std::vector<Pods> pods; // sorted by ready_at: scale-down takes from the back
  if (replicas > 0) {
    pods.push_back({0, replicas});
  }
  struct Group {
    std::int64_t arrival;
    std::int64_t count;
  };
  std::deque<Group> queue;
  std::int64_t queued = 0;
  const bool on_grid = std::all_of(arrivals.points.begin(), arrivals.points.end(),
                                   [&](const TracePoint& p) { return p.t_ms % o.step_ms == 0; });
  WaitTally waits(o.step_ms, o.end_ms, on_grid);
  DepthHistory history(o.metric_delay_ms / o.step_ms);
  const double step_s = static_cast<double>(o.step_ms) / 1000.0;
  double capacity = 0;
  std::size_t cursor = 0;
  const auto& points = arrivals.points;
  std::int64_t max_depth = -1;
  std::int64_t t_max = 0;
  bool drained = false;

  std::int32_t ready = 0;     // pods with ready_at <= t: the entries before next_ready
  std::size_t next_ready = 0;
  std::int64_t k = 0;
  for (std::int64_t t = 0; t <= o.end_ms; t += o.step_ms, ++k) {
    // (1) arrivals in [t, t + step), none after the end
    for (; cursor < points.size() && points[cursor].t_ms < t + o.step_ms && points[cursor].t_ms <= o.end_ms; ++cursor) {
      if (points[cursor].value > 0) {
        queue.push_back({points[cursor].t_ms, points[cursor].value});
        queued += points[cursor].value;
        s.tasks_arrived += points[cursor].value;
      }
    }
    const std::int64_t depth = queued;
    history.record(k, depth);
    if (depth > max_depth) {
      max_depth = depth;
      t_max = t;
      drained = false;
      s.drain_ms.reset();
    }
    // Pods whose start-up has ended by t (entries are sorted by ready_at).
    for (; next_ready < pods.size() && pods[next_ready].ready_at <= t; ++next_ready) {
      ready += pods[next_ready].count;
    }
    // (2) the controller
    if (t % o.sync_period_ms == 0) {
      std::optional<std::int64_t> metric;
      if (t >= o.metric_delay_ms) {
        metric = history.at(k - o.metric_delay_ms / o.step_ms);
      }
      const SyncResult r = hpa.sync(input_at(t, replicas, metric));
      if (r.replicas > replicas) {
        const std::int64_t at = t + o.pod_startup_ms;
        if (!pods.empty() && pods.back().ready_at == at) {
          pods.back().count += r.replicas - replicas;
          if (pods.size() <= next_ready) {
            ready += r.replicas - replicas; // that entry is already ready (no start-up)
          }
        } else {
          pods.push_back({at, r.replicas - replicas});
        }
        for (; next_ready < pods.size() && pods[next_ready].ready_at <= t; ++next_ready) {
          ready += pods[next_ready].count;
        }
      } else {
        // Not-ready pods first, newest first, then the most recently ready: all from the back.
        std::int32_t remove = replicas - r.replicas;
        while (remove > 0) {
          Pods& last = pods.back();
          const std::int32_t n = std::min(remove, last.count);
          if (pods.size() <= next_ready) {
            ready -= n;
          }
          last.count -= n;
          remove -= n;
          if (last.count == 0) {
            pods.pop_back();
            next_ready = std::min(next_ready, pods.size());
          }
        }
      }
      tally.apply(s, replicas, r.replicas);
      replicas = r.replicas;
      if (o.timeline) {
        result.syncs.push_back({t, depth, metric, r.proposal, replicas, ready, r.conditions});
      }
    }
    // (3) service: idle capacity is not banked
    capacity += static_cast<double>(ready) * o.per_worker_rate * step_s;
    const double whole = std::floor(capacity);
    std::int64_t start = static_cast<std::int64_t>(std::min(whole, static_cast<double>(queued)));
    queued -= start;
    s.tasks_done += start;
    while (start > 0) {
      Group& g = queue.front();
      const std::int64_t n = std::min(start, g.count);
      waits.record(t - g.arrival, n);
      g.count -= n;
      start -= n;
      if (g.count == 0) {
        queue.pop_front();
      }
    }
    capacity = queued > 0 ? capacity - whole : 0.0;
    if (!drained && max_depth > 0 && queued == 0) {
      drained = true;
      s.drain_ms = t + o.step_ms - t_max;
    }
    s.worker_ms += static_cast<std::int64_t>(replicas) * o.step_ms;
  }
  if (max_depth <= 0) {
    s.drain_ms = 0;
  }
  for (const auto& g : queue) {
    waits.record(o.end_ms - g.arrival, g.count);
  }
  s.final_depth = queued;
  const auto sorted = waits.sorted();
  s.wait_p50_ms = nearest_rank(sorted, 50);
  s.wait_p99_ms = nearest_rank(sorted, 99);
  s.wait_max_ms = sorted.empty() ? 0 : sorted.back().first;
  return result;
}

} // namespace graflow::simulate
