// The queue and pod model around the HPA (DESIGN.md §9): closed-form cases.
#include "graflow/core/error.hpp"
#include "graflow/simulate/model.hpp"
#include "graflow/simulate/tune.hpp"

#include <doctest/doctest.h>

using namespace graflow::simulate;

namespace {

HpaSpec fixed(std::int32_t replicas) {
  HpaSpec s;
  s.min_replicas = replicas;
  s.max_replicas = replicas;
  s.target_average_milli = 10'000;
  return s;
}

Trace arrivals(std::vector<TracePoint> points) { return {TraceKind::arrivals, std::move(points)}; }

ModelOptions closed(std::int64_t end_ms, double rate) {
  ModelOptions o;
  o.end_ms = end_ms;
  o.per_worker_rate = rate;
  return o;
}

} // namespace

TEST_CASE("simulate model: a steady load below capacity never queues") {
  std::vector<TracePoint> points;
  for (std::int64_t t = 0; t < 600'000; t += 1000) {
    points.push_back({t, 5});
  }
  const auto r = run_closed(fixed(2), arrivals(points), closed(600'000, 3.0)); // capacity 6/s
  CHECK(r.closed);
  CHECK(r.summary.tasks_arrived == 3000);
  CHECK(r.summary.tasks_done == 3000);
  CHECK(r.summary.wait_max_ms == 0);
  CHECK(r.summary.wait_p99_ms == 0);
  CHECK(r.summary.final_depth == 0);
  CHECK(r.summary.drain_ms == 1000); // the highest depth (5) is served within its step
  CHECK(r.summary.peak_replicas == 2);
  CHECK(r.summary.scale_events == 0);
  CHECK(r.summary.worker_ms == 2 * 601 * 1000); // steps t = 0..600 s, both ends included
  CHECK(r.syncs.size() == 41);                  // syncs at 0, 15, ..., 600 s
  for (const auto& s : r.syncs) {
    CHECK(s.depth == (s.t_ms < 600'000 ? 5 : 0)); // the last step (t = 600 s) has no arrivals
    CHECK(s.replicas == 2);
    CHECK(s.ready == 2);
  }
}

TEST_CASE("simulate model: a burst of N with R workers at rate r drains in N/(R*r)") {
  // N = 600, R = 3, r = 2/s: 100 s; the k-th six tasks start at k s.
  const auto r = run_closed(fixed(3), arrivals({{0, 600}}), closed(300'000, 2.0));
  CHECK(r.summary.drain_ms == 100'000);
  CHECK(r.summary.tasks_done == 600);
  CHECK(r.summary.wait_max_ms == 99'000);
  CHECK(r.summary.wait_p50_ms == 49'000); // rank 300: tasks 295..300 start at 49 s
  CHECK(r.summary.wait_p99_ms == 98'000); // rank 594
  CHECK(r.summary.final_depth == 0);

  // Fractional capacity carries over while tasks wait: 1 worker at 0.5/s serves 1 task every 2 s.
  const auto slow = run_closed(fixed(1), arrivals({{0, 10}}), closed(60'000, 0.5));
  CHECK(slow.summary.drain_ms == 20'000);
  CHECK(slow.summary.wait_max_ms == 19'000);

  // Idle capacity is not banked: after 100 idle seconds a burst still waits.
  const auto idle = run_closed(fixed(1), arrivals({{100'000, 4}}), closed(200'000, 1.0));
  CHECK(idle.summary.wait_max_ms == 3'000);
  CHECK(idle.summary.drain_ms == 4'000);
}

TEST_CASE("simulate model: tasks still waiting at the end count with their wait so far") {
  const auto r = run_closed(fixed(1), arrivals({{0, 100}, {10'000, 1}}), closed(20'000, 1.0));
  CHECK(r.summary.tasks_arrived == 101);
  CHECK(r.summary.tasks_done == 21); // steps 0..20 s
  CHECK(r.summary.final_depth == 80);
  CHECK(r.summary.wait_max_ms == 20'000);
  CHECK_FALSE(r.summary.drain_ms.has_value());
  // Arrivals after the end are ignored.
  const auto late = run_closed(fixed(1), arrivals({{0, 1}, {30'000, 5}}), closed(20'000, 1.0));
  CHECK(late.summary.tasks_arrived == 1);
}

TEST_CASE("simulate model: no pods, no service; zero depth drains in 0") {
  ModelOptions o = closed(10'000, 1.0);
  o.start_replicas = 0;
  HpaSpec s = fixed(1);
  s.min_replicas = 0;
  const auto r = run_closed(s, arrivals({{0, 3}}), o);
  CHECK(r.summary.tasks_done == 0);
  CHECK(r.summary.peak_replicas <= 1);
  const auto none = run_closed(fixed(1), arrivals({{0, 0}}), closed(10'000, 1.0));
  CHECK(none.summary.drain_ms == 0);
  CHECK(none.summary.tasks_arrived == 0);
}

TEST_CASE("simulate model: open loop sees the depth metric-delay late") {
  HpaSpec s;
  s.min_replicas = 1;
  s.max_replicas = 10;
  s.target_average_milli = 10'000;
  const Trace depth{TraceKind::depth, {{0, 0}, {60'000, 100}, {200'000, 0}}};
  ModelOptions o;
  o.end_ms = 300'000;
  const auto r = run_open(s, depth, o);
  CHECK_FALSE(r.closed);
  REQUIRE(r.syncs.size() == 21);
  CHECK_FALSE(r.syncs[0].metric.has_value()); // before t = delay
  CHECK_FALSE(r.syncs[1].metric.has_value());
  CHECK(r.syncs[2].metric == 0); // t = 30 s sees t = 0
  CHECK(r.syncs[4].depth == 100);
  CHECK(r.syncs[5].metric == 0); // t = 75 s sees 45 s
  CHECK(r.syncs[6].metric == 100); // t = 90 s sees 60 s
  for (int i = 0; i < 6; ++i) {
    CHECK(r.syncs[static_cast<std::size_t>(i)].replicas == 1);
  }
  CHECK(r.syncs[6].proposal == 10);
  CHECK(r.syncs[6].replicas > 1);
  CHECK(r.summary.peak_replicas == 10);
  CHECK(r.summary.drain_ms == 140'000); // 60 s -> 200 s on the step function
  CHECK(r.summary.tasks_arrived == 0);
  CHECK(r.summary.final_depth == 0);
  for (const auto& sync : r.syncs) {
    CHECK(sync.ready == sync.replicas);
  }
}

TEST_CASE("simulate model: new pods serve only after pod start-up") {
  HpaSpec s;
  s.min_replicas = 1;
  s.max_replicas = 4;
  s.target_average_milli = 10'000;
  ModelOptions o = closed(120'000, 1.0);
  o.metric_delay_ms = 0;
  o.pod_startup_ms = 30'000;
  const auto r = run_closed(s, arrivals({{0, 1000}}), o);
  REQUIRE(r.syncs.size() >= 3);
  CHECK(r.syncs[0].replicas == 4); // legacy: up to max(2 x 1, 4) at once
  CHECK(r.syncs[0].ready == 1);
  CHECK(r.syncs[1].ready == 1);    // t = 15 s
  CHECK(r.syncs[2].ready == 4);    // t = 30 s: ready
  // served: 1/s for 30 s (t = 0..29), then 4/s for t = 30..120 s
  CHECK(r.summary.tasks_done == 30 + 4 * 91);
}

TEST_CASE("simulate model: steps, profiles and percentiles") {
  ModelOptions o;
  o.end_ms = 60'000;
  o.step_ms = 2000;
  o.sync_period_ms = 15'000;
  CHECK_THROWS_WITH_AS(check_steps(o), "--sync-period (15s) is not a whole multiple of --step 2s", graflow::Error);
  o.sync_period_ms = 16'000;
  o.metric_delay_ms = 1000;
  CHECK_THROWS_WITH_AS(check_steps(o), "--metric-delay (1s) is not a whole multiple of --step 2s", graflow::Error);
  o.metric_delay_ms = 0;
  o.pod_startup_ms = 0;
  o.end_ms = 61'000;
  CHECK_THROWS_WITH_AS(check_steps(o), "the end of the run (1m1s) is not a whole multiple of --step 2s", graflow::Error);

  CHECK(nearest_rank({}, 99) == 0);
  CHECK(nearest_rank({{0, 98}, {5, 1}, {7, 1}}, 99) == 5);
  CHECK(nearest_rank({{0, 98}, {5, 1}, {7, 1}}, 100) == 7);
  CHECK(nearest_rank({{1, 1}, {2, 1}}, 50) == 1);

  graflow::config::Profile p;
  p.min_replicas = 2;
  p.max_replicas = 20;
  p.average_value = 10;
  CHECK(hpa_spec_of(p).target_average_milli == 10'000);
  CHECK_FALSE(hpa_spec_of(p).behavior.has_value());
  p.behavior = graflow::config::Behavior{};
  p.behavior->scale_down = graflow::config::ScalingRules{300, std::string("Min"), {{"Pods", 2, 60}, {"Percent", 50, 30}}};
  const auto spec = hpa_spec_of(p);
  REQUIRE(spec.behavior.has_value());
  CHECK_FALSE(spec.behavior->scale_up.has_value());
  REQUIRE(spec.behavior->scale_down.has_value());
  CHECK(spec.behavior->scale_down->select_policy == SelectPolicy::min);
  CHECK(spec.behavior->scale_down->stabilization_window_seconds == 300);
  REQUIRE(spec.behavior->scale_down->policies.size() == 2);
  CHECK(spec.behavior->scale_down->policies[0].type == HpaPolicy::Type::pods);
  CHECK(spec.behavior->scale_down->policies[1].type == HpaPolicy::Type::percent);
  CHECK(spec.behavior->scale_down->policies[1].period_seconds == 30);

  CHECK(parse_range("2..5", "--max-replicas", false).hi == 5);
  CHECK(parse_range("0..3", "--min-replicas", true).lo == 0);
  CHECK_THROWS_WITH_AS(parse_range("5..2", "--max-replicas", false),
                       "--max-replicas \"5..2\": expected A..B, two whole numbers with 1 <= A <= B", graflow::Error);
}

TEST_CASE("simulate tune: the cheapest candidate within the wait, deterministic") {
  graflow::config::Profile p;
  p.name = "prod";
  p.min_replicas = 2;
  p.max_replicas = 20;
  p.average_value = 10;
  std::vector<TracePoint> points;
  for (std::int64_t t = 0; t < 3'600'000; t += 1000) {
    points.push_back({t, (t / 600'000) % 2 == 0 ? 10 : 40});
  }
  ModelOptions o = closed(3'600'000, 1.0);
  TuneOptions t = default_ranges(p);
  t.max_wait_ms = 120'000;
  const auto a = tune(p, arrivals(points), o, t);
  const auto b = tune(p, arrivals(points), o, t);
  CHECK(a.candidates >= 200);
  REQUIRE(a.best.has_value());
  CHECK(a.summary.wait_p99_ms <= t.max_wait_ms);
  CHECK(a.best->min_replicas == b.best->min_replicas);
  CHECK(a.best->average_value == b.best->average_value);
  CHECK(a.best->shape == b.best->shape);
  CHECK(a.summary.worker_ms == b.summary.worker_ms);
  // The winner is no dearer than the profile itself when the profile meets the limit.
  ModelOptions mine = o;
  const auto current = run_closed(hpa_spec_of(p), arrivals(points), mine);
  if (current.summary.wait_p99_ms <= t.max_wait_ms) {
    CHECK(a.summary.worker_ms <= current.summary.worker_ms);
  }
  const auto snippet = profile_snippet(*a.best, "prod");
  CHECK(snippet.find("prod-tuned:\n    extends: prod\n    minReplicas: ") != std::string::npos);
  // An impossible limit has no winner.
  t.max_wait_ms = 0;
  t.max_replicas = {1, 1};
  t.min_replicas = {1, 1};
  CHECK_FALSE(tune(p, arrivals(points), o, t).best.has_value());
}

TEST_CASE("simulate model: a scale-down removes pods still starting first") {
  HpaSpec s;
  s.min_replicas = 1;
  s.max_replicas = 10;
  s.target_average_milli = 10'000;
  ModelOptions o = closed(60'000, 1000.0); // the burst is served at t = 0
  o.metric_delay_ms = 0;
  o.pod_startup_ms = 30'000;
  o.flags.downscale_stabilization = Millis(0);
  const auto r = run_closed(s, arrivals({{0, 1000}}), o);
  REQUIRE(r.syncs.size() >= 2);
  CHECK(r.syncs[0].replicas == 4); // 1 ready + 3 starting
  CHECK(r.syncs[0].ready == 1);
  CHECK(r.syncs[1].depth == 0);
  CHECK(r.syncs[1].replicas == 1);
  CHECK(r.syncs[1].ready == 1); // the three starting pods went, not the ready one
  CHECK(r.summary.direction_changes == 1);
  CHECK(r.summary.scale_events == 2);
}
