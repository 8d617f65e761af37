#pragma once
// The HPA controller's decision for the one metric graflowctl renders: an External metric
// with an AverageValue target. A port of Kubernetes 1.34 pkg/controller/podautoscaler
// (horizontal.go, replica_calculator.go) — same milli-values, float64 order of operations,
// int32 truncation and time-window comparisons — driven by an injected clock (the caller
// passes the sync time), so the same inputs always give the same decisions.
// DESIGN.md §9 fixes the contract; simulate/model.hpp drives it over a load.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace graflow::simulate {

// Simulated time since the start of a run. Upstream compares time.Time values; a run never
// needs more than millisecond resolution.
using Millis = std::chrono::milliseconds;

struct HpaPolicy {
  enum class Type { pods, percent };
  Type type = Type::pods;
  std::int32_t value = 0;
  std::int32_t period_seconds = 0;
};

enum class SelectPolicy { max, min, disabled };

// autoscaling/v2 HPAScalingRules. Unset fields take the API defaults
// (scaleUp: window 0, policies Pods 4/15s + Percent 100/15s, Max;
//  scaleDown: window = the controller's --downscale-stabilization, Percent 100/15s, Max).
struct HpaScalingRules {
  std::optional<std::int32_t> stabilization_window_seconds;
  std::optional<SelectPolicy> select_policy;
  std::vector<HpaPolicy> policies; // empty: the defaults above
};

struct HpaBehavior {
  std::optional<HpaScalingRules> scale_up;
  std::optional<HpaScalingRules> scale_down;
};

struct HpaSpec {
  std::int32_t min_replicas = 1;
  std::int32_t max_replicas = 1;
  std::int64_t target_average_milli = 1000; // target.averageValue in milli-units
  // nullopt: the legacy path (no behavior). An empty HpaBehavior{}: the behavior path with
  // every default filled in, as the API server does for `behavior: {}`.
  std::optional<HpaBehavior> behavior;
};

// Controller-wide flags of kube-controller-manager.
struct ControllerFlags {
  double tolerance = 0.1;                          // --horizontal-pod-autoscaler-tolerance
  Millis downscale_stabilization{5 * 60 * 1000};   // --horizontal-pod-autoscaler-downscale-stabilization
  // The legacy path's scale-up cap max(factor × current, minimum): upstream's package variables
  // scaleUpLimitFactor/scaleUpLimitMinimum. Only upstream's tests change them (factor 8).
  double scale_up_limit_factor = 2.0;
  double scale_up_limit_minimum = 4.0;
};

// GenerateHPAScaleUpRules: `rules` with every unset field taken from the scale-up defaults.
[[nodiscard]] HpaScalingRules resolve_scale_up_rules(const std::optional<HpaScalingRules>& rules);
// GenerateHPAScaleDownRules plus the controller's fill-in of the window: `rules` with every unset
// field taken from the scale-down defaults, the window from `downscale_stabilization` (whole seconds).
[[nodiscard]] HpaScalingRules resolve_scale_down_rules(const std::optional<HpaScalingRules>& rules,
                                                       Millis downscale_stabilization);

// ReplicaCalculator.GetExternalPerPodMetricReplicas for an already summed `usage_milli`: the
// proposal for `status_replicas` pods against `target_average_milli` per pod.
[[nodiscard]] std::int32_t external_per_pod_replicas(std::int32_t status_replicas,
                                                     std::int64_t target_average_milli,
                                                     std::int64_t usage_milli, double tolerance);

// The three conditions as the HPA's status shows them after a sync: upstream's reason
// strings (e.g. "ReadyForNewScale", "ValidMetricFound", "ScaleUpLimit"); nullopt before a
// sync has set one. `*_status` is "True" or "False" as upstream sets it.
struct Condition {
  std::string status; // "True" / "False"
  std::string reason;
};
struct Conditions {
  std::optional<Condition> able_to_scale;
  std::optional<Condition> scaling_active;
  std::optional<Condition> scaling_limited;
};

struct SyncInput {
  Millis now{0};
  std::int32_t spec_replicas = 0;   // scale.spec.replicas: the "current" replicas
  std::int32_t status_replicas = 0; // scale.status.replicas: pods that exist
  // The metric's value summed over what the adapter returned, in milli-units;
  // nullopt: the metric could not be read (FailedGetExternalMetric, no scaling).
  std::optional<std::int64_t> metric_milli;
};

struct SyncResult {
  std::int32_t replicas = 0;           // scale.spec.replicas after the sync
  std::optional<std::int32_t> proposal; // the metric's replica count before normalization
  bool rescaled = false;               // replicas != input.spec_replicas
  Conditions conditions;               // after this sync (unset ones keep their last value)
};

// One HPA object as the controller keeps it between syncs: the recommendation history
// (stabilization) and the scale events (behavior policies). Not thread-safe.
class Controller {
public:
  Controller(HpaSpec spec, ControllerFlags flags = {});

  // One reconcile of the HPA at `input.now` (strictly increasing between calls).
  SyncResult sync(const SyncInput& input);

  [[nodiscard]] const HpaSpec& spec() const { return spec_; }

  // An unstabilized recommendation as upstream keeps it (timestampedRecommendation).
  struct Recommendation {
    std::int32_t replicas = 0;
    Millis at{0};
    bool operator==(const Recommendation&) const = default;
  };
  // A change of replicas (timestampedScaleEvent); `change` is the absolute value.
  struct ScaleEvent {
    std::int32_t change = 0;
    Millis at{0};
    bool outdated = false;
    bool operator==(const ScaleEvent&) const = default;
  };

  // For tests and replay only: replaces the history as if earlier syncs had left it. The first
  // sync's seed {current, t} is then skipped, as upstream skips it for a non-nil history.
  void seed_history(std::vector<Recommendation> recommendations, std::vector<ScaleEvent> scale_up_events,
                    std::vector<ScaleEvent> scale_down_events, Conditions conditions = {});

  [[nodiscard]] const std::vector<Recommendation>& recommendations() const { return recommendations_; }
  [[nodiscard]] const std::vector<ScaleEvent>& scale_up_events() const { return scale_up_events_; }
  [[nodiscard]] const std::vector<ScaleEvent>& scale_down_events() const { return scale_down_events_; }
  [[nodiscard]] const Conditions& conditions() const { return conditions_; }

  // A replica count after the rate and range limits, and upstream's ScalingLimited reason.
  struct Limit {
    std::int32_t replicas = 0;
    const char* reason = "";
  };
  // convertDesiredReplicasWithBehaviorRate on the behavior path: `desired` (already stabilized)
  // limited by the policies over the stored scale events and by [min, max]. Public for tests.
  [[nodiscard]] Limit behavior_rate_limit(Millis now, std::int32_t current, std::int32_t desired) const;

  // storeScaleEvent: records a change from `previous` to `next` replicas at `now` (behavior path
  // only), reusing the slot of an event older than the direction's longest policy period. sync()
  // calls it on every rescale; public for tests and replay.
  void store_scale_event(Millis now, std::int32_t previous, std::int32_t next);

private:
  struct Resolved {
    HpaScalingRules up;   // every field set
    HpaScalingRules down; // every field set
  };
  std::int32_t normalize_legacy(Millis now, std::int32_t current, std::int32_t desired);
  std::int32_t stabilize_legacy(Millis now, std::int32_t desired);
  std::int32_t normalize_with_behaviors(Millis now, std::int32_t current, std::int32_t desired);
  std::int32_t stabilize_with_behaviors(Millis now, std::int32_t current, std::int32_t desired,
                                        const char** reason);

  HpaSpec spec_;
  ControllerFlags flags_;
  std::vector<Recommendation> recommendations_;
  std::vector<ScaleEvent> scale_up_events_;
  std::vector<ScaleEvent> scale_down_events_;
  Conditions conditions_;
  std::optional<Resolved> resolved_; // the behavior with the API defaults; nullopt: legacy path
  bool first_sync_done_ = false;
};

// convertDesiredReplicasWithRules (the legacy path): `desired` limited to [min, scale-up cap]
// where the cap is min(max, max(factor × current, minimum)) from `flags`.
[[nodiscard]] Controller::Limit legacy_limit(std::int32_t current, std::int32_t desired, std::int32_t min_replicas,
                                             std::int32_t max_replicas, const ControllerFlags& flags);

// getReplicasChangePerPeriod: the sum of the changes in `events` strictly after now - period.
[[nodiscard]] std::int32_t replicas_change_per_period(Millis now, std::int32_t period_seconds,
                                                      const std::vector<Controller::ScaleEvent>& events);

} // namespace graflow::simulate
