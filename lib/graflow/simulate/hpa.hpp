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
};

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

private:
  struct Recommendation {
    std::int32_t replicas;
    Millis at;
  };
  struct ScaleEvent {
    std::int32_t change;
    Millis at;
    bool outdated = false;
  };

  HpaSpec spec_;
  ControllerFlags flags_;
  std::vector<Recommendation> recommendations_;
  std::vector<ScaleEvent> scale_up_events_;
  std::vector<ScaleEvent> scale_down_events_;
  Conditions conditions_;
  bool first_sync_done_ = false;
};

} // namespace graflow::simulate
