// The HPA engine against Kubernetes' own test tables (ported as data files under
// tests/data/simulate/hpa/, each naming the upstream test function and case), plus edge tests on
// every strict time comparison and property tests over random behaviors and metric sequences.
#include "graflow/simulate/hpa.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using graflow::simulate::Condition;
using graflow::simulate::Conditions;
using graflow::simulate::Controller;
using graflow::simulate::ControllerFlags;
using graflow::simulate::HpaBehavior;
using graflow::simulate::HpaPolicy;
using graflow::simulate::HpaScalingRules;
using graflow::simulate::HpaSpec;
using graflow::simulate::Millis;
using graflow::simulate::SelectPolicy;
using graflow::simulate::SyncInput;
using graflow::simulate::SyncResult;

namespace {

using Recommendation = Controller::Recommendation;
using ScaleEvent = Controller::ScaleEvent;

// The sync time of the table cases: far enough from 0 that "seconds before now" stays positive.
const Millis now{100'000'000};

Millis ago(double seconds) { return now - Millis{static_cast<std::int64_t>(std::llround(seconds * 1000))}; }

YAML::Node load(const std::string& file) { return YAML::LoadFile(std::string(TEST_DATA_DIR) + "/simulate/hpa/" + file); }

HpaPolicy::Type policy_type(const std::string& s) {
  REQUIRE((s == "Pods" || s == "Percent"));
  return s == "Pods" ? HpaPolicy::Type::pods : HpaPolicy::Type::percent;
}

SelectPolicy select_policy(const std::string& s) {
  REQUIRE((s == "Max" || s == "Min" || s == "Disabled"));
  return s == "Max" ? SelectPolicy::max : s == "Min" ? SelectPolicy::min : SelectPolicy::disabled;
}

// horizontal_test.go generateScalingRules: zero values leave that policy out; selectPolicy Max.
HpaScalingRules generate_scaling_rules(const YAML::Node& args) {
  REQUIRE(args.size() == 5);
  const auto pods = args[0].as<std::int32_t>();
  const auto percent = args[2].as<std::int32_t>();
  HpaScalingRules rules;
  rules.stabilization_window_seconds = args[4].as<std::int32_t>();
  rules.select_policy = SelectPolicy::max;
  if (pods != 0) {
    rules.policies.push_back(HpaPolicy{HpaPolicy::Type::pods, pods, args[1].as<std::int32_t>()});
  }
  if (percent != 0) {
    rules.policies.push_back(HpaPolicy{HpaPolicy::Type::percent, percent, args[3].as<std::int32_t>()});
  }
  return rules;
}

// {policies: [[Type, value, period]...], window: s, select: Max|Min|Disabled}, each optional.
HpaScalingRules rules_from_map(const YAML::Node& node) {
  HpaScalingRules rules;
  if (node["window"]) {
    rules.stabilization_window_seconds = node["window"].as<std::int32_t>();
  }
  if (node["select"]) {
    rules.select_policy = select_policy(node["select"].as<std::string>());
  }
  for (const auto& p : node["policies"]) {
    rules.policies.push_back(HpaPolicy{policy_type(p[0].as<std::string>()), p[1].as<std::int32_t>(), p[2].as<std::int32_t>()});
  }
  return rules;
}

// horizontal_test.go generateEventsUniformDistribution: event i at the centre of segment i of the
// last `period` seconds, the offset truncated to whole seconds as time.Duration(float64) does.
std::vector<ScaleEvent> uniform_events(const YAML::Node& spec) {
  const YAML::Node changes = spec[0];
  const double period = spec[1].as<double>();
  const double segment = period / static_cast<double>(changes.size());
  std::vector<ScaleEvent> events;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto boundary = static_cast<std::int64_t>(period - segment * static_cast<double>(i + 1) + segment / 2);
    events.push_back(ScaleEvent{changes[i].as<std::int32_t>(), now - Millis{boundary * 1000}, false});
  }
  return events;
}

std::vector<ScaleEvent> events_from(const YAML::Node& node) {
  if (!node) {
    return {};
  }
  if (node["uniform"]) {
    return uniform_events(node["uniform"]);
  }
  std::vector<ScaleEvent> events;
  for (const auto& e : node) {
    events.push_back(ScaleEvent{e[0].as<std::int32_t>(), ago(e[1].as<double>()), e[2].as<bool>()});
  }
  return events;
}

std::vector<Recommendation> recommendations_from(const YAML::Node& node) {
  std::vector<Recommendation> recs;
  for (const auto& r : node) {
    recs.push_back(Recommendation{r[0].as<std::int32_t>(), ago(r[1].as<double>())});
  }
  return recs;
}

// The proposal equals `desired` exactly: tolerance 0, target 1000m, status.replicas = current.
SyncResult sync_to(Controller& c, std::int32_t current, std::int32_t desired) {
  return c.sync(SyncInput{now, current, current, static_cast<std::int64_t>(desired) * 1000});
}

ControllerFlags exact_flags() {
  ControllerFlags flags;
  flags.tolerance = 0;
  return flags;
}

void check_condition(const std::optional<Condition>& got, const YAML::Node& want, const char* type) {
  INFO(type);
  if (!want || want.IsNull()) {
    CHECK_FALSE(got.has_value());
    return;
  }
  REQUIRE(got.has_value());
  CHECK(got->status == want[0].as<std::string>());
  CHECK(got->reason == want[1].as<std::string>());
}

std::string describe(const Conditions& c) {
  std::string out;
  for (const auto* slot : {&c.able_to_scale, &c.scaling_active, &c.scaling_limited}) {
    out += *slot ? (*slot)->status + "/" + (*slot)->reason : std::string("-");
    out += " ";
  }
  return out;
}

} // namespace

TEST_SUITE("simulate hpa") {

TEST_CASE("GetExternalPerPodMetricReplicas: replica_calculator_test.go TestReplicaCalcExternalPerPodMetric") {
  for (const auto& tc : load("replica_calculator.yaml")["cases"]) {
    INFO(tc["name"].as<std::string>());
    CHECK(graflow::simulate::external_per_pod_replicas(tc["status_replicas"].as<std::int32_t>(),
                                                       tc["target_average_milli"].as<std::int64_t>(),
                                                       tc["usage_milli"].as<std::int64_t>(), tc["tolerance"].as<double>()) ==
          tc["expected_replicas"].as<std::int32_t>());
  }
}

TEST_CASE("the tolerance band is inclusive at both ends, as Tolerances.isWithin") {
  // 11000m / (1000m × 10) is the double nearest 1.1, the same as 1.0 + 0.1: within, no change.
  CHECK(graflow::simulate::external_per_pod_replicas(10, 1000, 11000, 0.1) == 10);
  CHECK(graflow::simulate::external_per_pod_replicas(10, 1000, 9000, 0.1) == 10);
  CHECK(graflow::simulate::external_per_pod_replicas(10, 1000, 11001, 0.1) == 12);
  CHECK(graflow::simulate::external_per_pod_replicas(10, 1000, 8999, 0.1) == 9);
  // No pods: the ratio is +Inf (or NaN for 0/0), never within, so the proposal is ceil(usage/target).
  CHECK(graflow::simulate::external_per_pod_replicas(0, 1000, 2500, 0.1) == 3);
  CHECK(graflow::simulate::external_per_pod_replicas(0, 1000, 0, 0.1) == 0);
}

TEST_CASE("API defaults: defaults_test.go TestGenerateScaleUpRules and TestGenerateScaleDownRules") {
  const YAML::Node doc = load("defaults.yaml");
  const Millis downscale{doc["downscale_stabilization_s"].as<std::int64_t>() * 1000};
  for (const char* direction : {"scale_up", "scale_down"}) {
    for (const auto& tc : doc[direction]) {
      INFO(direction << ": " << tc["name"].as<std::string>());
      const HpaScalingRules in = rules_from_map(tc["rules"]);
      const HpaScalingRules out = std::string(direction) == "scale_up"
                                      ? graflow::simulate::resolve_scale_up_rules(in)
                                      : graflow::simulate::resolve_scale_down_rules(in, downscale);
      std::vector<HpaPolicy> expected;
      for (const auto& p : tc["expected_policies"]) {
        expected.push_back(HpaPolicy{policy_type(p[0].as<std::string>()), p[1].as<std::int32_t>(), p[2].as<std::int32_t>()});
      }
      REQUIRE(out.policies.size() == expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(out.policies[i].type == expected[i].type);
        CHECK(out.policies[i].value == expected[i].value);
        CHECK(out.policies[i].period_seconds == expected[i].period_seconds);
      }
      const std::int32_t window = tc["expected_window"].IsNull() ? doc["downscale_stabilization_s"].as<std::int32_t>()
                                                                 : tc["expected_window"].as<std::int32_t>();
      CHECK(out.stabilization_window_seconds == window);
      CHECK(out.select_policy == select_policy(tc["expected_select"].as<std::string>()));
    }
  }
  // The controller's fill-in takes whole seconds of the flag, truncated.
  CHECK(graflow::simulate::resolve_scale_down_rules(std::nullopt, Millis{90'999}).stabilization_window_seconds == 90);
}

TEST_CASE("legacy stabilization: horizontal_test.go TestNormalizeDesiredReplicas") {
  const YAML::Node doc = load("normalize_legacy.yaml");
  for (const auto& tc : doc["stabilize"]) {
    INFO(tc["name"].as<std::string>());
    ControllerFlags flags = exact_flags();
    flags.scale_up_limit_factor = doc["scale_up_limit_factor"].as<double>();
    Controller c(HpaSpec{1, 100, 1000, std::nullopt}, flags);
    c.seed_history(recommendations_from(tc["recommendations"]), {}, {});
    const auto desired = tc["desired"].as<std::int32_t>();
    const auto expected = tc["expected_stabilized"].as<std::int32_t>();
    const SyncResult r = sync_to(c, tc["current"].as<std::int32_t>(), desired);
    CHECK(r.proposal == desired);
    CHECK(r.replicas == expected);
    CHECK(c.recommendations().size() == tc["expected_log_length"].as<std::size_t>());
    // normalizeDesiredReplicas reports the stabilization itself.
    REQUIRE(c.conditions().able_to_scale);
    if (expected != desired) {
      CHECK(c.conditions().able_to_scale->reason == "ScaleDownStabilized");
    } else {
      CHECK(c.conditions().able_to_scale->reason == "ReadyForNewScale");
    }
  }
}

// Upstream calls the limit functions directly; so do these tests, and where the current count is
// inside [min, max] (else a sync takes the shortcut instead) they also run it as one sync.
TEST_CASE("legacy limits: horizontal_test.go TestConvertDesiredReplicasWithRules") {
  const YAML::Node doc = load("normalize_legacy.yaml");
  for (const auto& tc : doc["convert"]) {
    INFO(tc["name"].as<std::string>());
    ControllerFlags flags = exact_flags();
    flags.scale_up_limit_factor = doc["scale_up_limit_factor"].as<double>();
    const auto min = tc["min"].as<std::int32_t>();
    const auto max = tc["max"].as<std::int32_t>();
    const auto current = tc["current"].as<std::int32_t>();
    const auto desired = tc["desired"].as<std::int32_t>();
    const auto expected = tc["expected"].as<std::int32_t>();
    const auto condition = tc["condition"].as<std::string>();
    const auto limit = graflow::simulate::legacy_limit(current, desired, min, max, flags);
    CHECK(limit.replicas == expected);
    CHECK(limit.reason == condition);
    if (current < min || current > max) {
      continue;
    }
    Controller c(HpaSpec{min, max, 1000, std::nullopt}, flags);
    c.seed_history({}, {}, {});
    const SyncResult r = sync_to(c, current, desired);
    CHECK(r.replicas == expected);
    CHECK(r.rescaled == (expected != current));
    REQUIRE(r.conditions.scaling_limited);
    CHECK(r.conditions.scaling_limited->reason == condition);
    CHECK(r.conditions.scaling_limited->status == (expected != desired ? "True" : "False"));
  }
}

TEST_CASE("behavior rate limits: horizontal_test.go TestScalingWithRules") {
  int synced = 0;
  for (const auto& tc : load("scaling_with_rules.yaml")["cases"]) {
    INFO(tc["name"].as<std::string>());
    HpaBehavior behavior;
    if (tc["up"]) {
      behavior.scale_up = generate_scaling_rules(tc["up"]);
    }
    if (tc["down"]) {
      behavior.scale_down = generate_scaling_rules(tc["down"]);
    }
    const auto min = tc["min"].as<std::int32_t>();
    const auto max = tc["max"].as<std::int32_t>();
    const auto current = tc["current"].as<std::int32_t>();
    const auto desired = tc["desired"].as<std::int32_t>();
    const auto expected = tc["expected"].as<std::int32_t>();
    const auto condition = tc["condition"].as<std::string>();
    Controller c(HpaSpec{min, max, 1000, behavior}, exact_flags());
    c.seed_history({Recommendation{desired, now - Millis{3'600'000}}}, events_from(tc["up_events"]),
                   events_from(tc["down_events"]));
    const auto limit = c.behavior_rate_limit(now, current, desired);
    CHECK(limit.replicas == expected);
    CHECK(limit.reason == condition);
    if (current < min || current > max) {
      continue;
    }
    ++synced;
    const SyncResult r = sync_to(c, current, desired);
    CHECK(r.proposal == desired);
    CHECK(r.replicas == expected);
    REQUIRE(r.conditions.scaling_limited);
    CHECK(r.conditions.scaling_limited->reason == condition);
    CHECK(r.conditions.scaling_limited->status == (expected != desired ? "True" : "False"));
    CHECK(r.conditions.able_to_scale->reason == std::string(r.rescaled ? "SucceededRescale" : "ReadyForNewScale"));
  }
  CHECK(synced == 39);
}

TEST_CASE("behavior stabilization: horizontal_test.go TestNormalizeDesiredReplicasWithBehavior") {
  for (const auto& tc : load("stabilize_with_behaviors.yaml")["cases"]) {
    INFO(tc["name"].as<std::string>());
    const HpaPolicy permissive{HpaPolicy::Type::pods, 100000, 15};
    HpaBehavior behavior;
    behavior.scale_up = HpaScalingRules{tc["up_window"] ? tc["up_window"].as<std::int32_t>() : 0, SelectPolicy::max, {permissive}};
    behavior.scale_down =
        HpaScalingRules{tc["down_window"] ? tc["down_window"].as<std::int32_t>() : 0, SelectPolicy::max, {permissive}};
    Controller c(HpaSpec{1, 1000, 1000, behavior}, exact_flags());
    c.seed_history(recommendations_from(tc["recommendations"]), {}, {});
    const auto current = tc["current"].as<std::int32_t>();
    const auto desired = tc["desired"].as<std::int32_t>();
    const auto expected = tc["expected_stabilized"].as<std::int32_t>();
    const SyncResult r = sync_to(c, current, desired);
    CHECK(r.replicas == expected);
    CHECK(r.conditions.scaling_limited->reason == std::string("DesiredWithinRange"));
    if (expected == desired) {
      CHECK(c.conditions().able_to_scale->reason == (r.rescaled ? "SucceededRescale" : "ReadyForNewScale"));
    } else if (!r.rescaled) {
      CHECK(c.conditions().able_to_scale->reason == (desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized"));
    }
    if (tc["expected_recommendations"]) {
      std::vector<std::int32_t> got;
      for (const auto& rec : c.recommendations()) {
        got.push_back(rec.replicas);
      }
      CHECK(got == tc["expected_recommendations"].as<std::vector<std::int32_t>>());
      for (const auto& rec : c.recommendations()) {
        CHECK(rec.at <= now);
      }
    }
  }
}

TEST_CASE("scale event storage: horizontal_test.go TestStoreScaleEvents") {
  for (const auto& tc : load("store_scale_events.yaml")["cases"]) {
    INFO(tc["name"].as<std::string>());
    const auto change = tc["change"].as<std::int32_t>();
    const std::vector<ScaleEvent> prev = events_from(tc["prev_events"]);
    const std::vector<ScaleEvent> want = events_from(tc["new_events"]);
    for (const bool up : {true, false}) {
      INFO((up ? "scale up" : "scale down"));
      std::optional<HpaBehavior> behavior;
      if (tc["rules"]) {
        behavior = HpaBehavior{};
        (up ? behavior->scale_up : behavior->scale_down) = generate_scaling_rules(tc["rules"]);
      }
      Controller c(HpaSpec{1, 100, 1000, behavior});
      c.seed_history({}, up ? prev : std::vector<ScaleEvent>{}, up ? std::vector<ScaleEvent>{} : prev);
      const auto& events = up ? c.scale_up_events() : c.scale_down_events();
      CHECK(graflow::simulate::replicas_change_per_period(now, 60, events) == tc["expected_replicas_change"].as<std::int32_t>());
      c.store_scale_event(now, 10, up ? 10 + change : 10 - change);
      REQUIRE(events.size() == want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("index " << i);
        CHECK(events[i].change == want[i].change);
        CHECK(events[i].outdated == want[i].outdated);
      }
    }
  }
}

TEST_CASE("whole reconciles: horizontal_test.go cases for an External AverageValue metric") {
  for (const auto& tc : load("reconcile.yaml")["cases"]) {
    INFO(tc["name"].as<std::string>());
    const YAML::Node s = tc["spec"];
    HpaSpec spec{s["min"].as<std::int32_t>(), s["max"].as<std::int32_t>(), s["target_milli"].as<std::int64_t>(), std::nullopt};
    if (s["behavior"]) {
      HpaBehavior behavior;
      if (s["behavior"]["up"]) {
        behavior.scale_up = rules_from_map(s["behavior"]["up"]);
      }
      if (s["behavior"]["down"]) {
        behavior.scale_down = rules_from_map(s["behavior"]["down"]);
      }
      spec.behavior = behavior;
    }
    ControllerFlags flags;
    flags.scale_up_limit_factor = 8;
    Controller c(spec, flags);
    if (tc["recommendations"]) {
      c.seed_history(recommendations_from(tc["recommendations"]), {}, {});
    }
    const YAML::Node in = tc["input"];
    SyncInput input{now, in["spec_replicas"].as<std::int32_t>(), in["status_replicas"].as<std::int32_t>(), std::nullopt};
    if (!in["metric_milli"].IsNull()) {
      input.metric_milli = in["metric_milli"].as<std::int64_t>();
    }
    const SyncResult r = c.sync(input);
    INFO(describe(r.conditions));
    CHECK(r.replicas == tc["expected_replicas"].as<std::int32_t>());
    CHECK(r.rescaled == (r.replicas != input.spec_replicas));
    if (tc["expected_proposal"]) {
      CHECK(r.proposal == tc["expected_proposal"].as<std::int32_t>());
    }
    if (const YAML::Node want = tc["expected_conditions"]) {
      check_condition(r.conditions.able_to_scale, want["able_to_scale"], "AbleToScale");
      check_condition(r.conditions.scaling_active, want["scaling_active"], "ScalingActive");
      check_condition(r.conditions.scaling_limited, want["scaling_limited"], "ScalingLimited");
    }
  }
}

} // TEST_SUITE
