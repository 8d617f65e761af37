// The reconcile loop, the replica calculation and the legacy (no behavior) normalization.
// Ported from Kubernetes pkg/controller/podautoscaler (horizontal.go: reconcileAutoscaler,
// computeReplicasForMetrics, normalizeDesiredReplicas, stabilizeRecommendation,
// convertDesiredReplicasWithRules; replica_calculator.go: GetExternalPerPodMetricReplicas,
// Tolerances.isWithin). Read from the post-1.34 master (a fork snapshot of kubernetes/kubernetes,
// commit a769d58 of omerap12/kubernetes): the functions ported here are the same as in 1.34,
// except the scale-to-zero branch (feature gate HPAScaleToZero, off), where this file keeps
// 1.34's `scale.Spec.Replicas == 0 && minReplicas != 0` test.
// The behavior path is in hpa_behavior.cpp.
#include "graflow/simulate/hpa.hpp"

#include "graflow/simulate/hpa_internal.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace graflow::simulate {

namespace detail {

std::int32_t to_int32(double value) {
  // Go's int32(float64) of an in-range value truncates toward zero, as static_cast does; out of
  // range C++ is undefined, so saturate (upstream guards the high end itself, see below).
  if (std::isnan(value) || value <= static_cast<double>(std::numeric_limits<std::int32_t>::min())) {
    return std::numeric_limits<std::int32_t>::min();
  }
  if (value >= static_cast<double>(std::numeric_limits<std::int32_t>::max())) {
    return std::numeric_limits<std::int32_t>::max();
  }
  return static_cast<std::int32_t>(value);
}

void set_condition(std::optional<Condition>& slot, bool status, const char* reason) {
  slot = Condition{status ? "True" : "False", reason};
}

} // namespace detail

using detail::set_condition;
using detail::to_int32;

std::int32_t external_per_pod_replicas(std::int32_t status_replicas, std::int64_t target_average_milli,
                                       std::int64_t usage_milli, double tolerance) {
  std::int32_t replica_count = status_replicas;
  // float64(usage) / (float64(targetUsagePerPod) * float64(replicaCount)); with 0 pods this is
  // +Inf or NaN, neither within the tolerance, as in Go.
  const double usage_ratio = static_cast<double>(usage_milli) /
                             (static_cast<double>(target_average_milli) * static_cast<double>(replica_count));
  // Tolerances.isWithin with the cluster-wide value for both directions: inclusive bounds.
  const bool within = (1.0 - tolerance) <= usage_ratio && usage_ratio <= (1.0 + tolerance);
  if (!within) {
    const double result = std::ceil(static_cast<double>(usage_milli) / static_cast<double>(target_average_milli));
    if (result > static_cast<double>(std::numeric_limits<std::int32_t>::max())) {
      replica_count = std::numeric_limits<std::int32_t>::max();
    } else {
      replica_count = to_int32(result);
    }
  }
  return replica_count;
}

Controller::Controller(HpaSpec spec, ControllerFlags flags) : spec_(std::move(spec)), flags_(flags) {
  if (spec_.behavior) {
    // The API server's SetDefaults_HorizontalPodAutoscalerBehavior plus the controller's
    // maybeInitScaleDownStabilizationWindow, done once: the spec never changes.
    resolved_ = Resolved{resolve_scale_up_rules(spec_.behavior->scale_up),
                         resolve_scale_down_rules(spec_.behavior->scale_down, flags_.downscale_stabilization)};
  }
}

void Controller::seed_history(std::vector<Recommendation> recommendations, std::vector<ScaleEvent> scale_up_events,
                              std::vector<ScaleEvent> scale_down_events, Conditions conditions) {
  first_sync_done_ = true;
  recommendations_ = std::move(recommendations);
  scale_up_events_ = std::move(scale_up_events);
  scale_down_events_ = std::move(scale_down_events);
  conditions_ = std::move(conditions);
}

SyncResult Controller::sync(const SyncInput& input) {
  const Millis now = input.now;
  SyncResult result;
  set_condition(conditions_.able_to_scale, true, "SucceededGetScale");
  const std::int32_t current = input.spec_replicas;
  // recordInitialRecommendation: only while the history is still nil.
  if (!first_sync_done_) {
    recommendations_.push_back(Recommendation{current, now});
    first_sync_done_ = true;
  }

  const std::int32_t min_replicas = spec_.min_replicas;
  std::int32_t desired = 0;
  bool rescale = true;
  if (current == 0 && min_replicas != 0) {
    // Autoscaling is disabled for this resource.
    rescale = false;
    set_condition(conditions_.scaling_active, false, "ScalingDisabled");
  } else if (current > spec_.max_replicas) {
    desired = spec_.max_replicas;
  } else if (current < min_replicas) {
    desired = min_replicas;
  } else {
    if (!input.metric_milli) {
      // computeReplicasForMetrics failed for the only metric: the condition from
      // getUnableComputeReplicaCountCondition, the status keeps the current replicas, return.
      set_condition(conditions_.scaling_active, false, "FailedGetExternalMetric");
      result.replicas = current;
      result.conditions = conditions_;
      return result;
    }
    const std::int32_t proposal =
        external_per_pod_replicas(input.status_replicas, spec_.target_average_milli, *input.metric_milli, flags_.tolerance);
    set_condition(conditions_.scaling_active, true, "ValidMetricFound");
    result.proposal = proposal;
    if (proposal > desired) {
      desired = proposal;
    }
    desired = resolved_ ? normalize_with_behaviors(now, current, desired) : normalize_legacy(now, current, desired);
    rescale = desired != current;
  }

  if (rescale) {
    set_condition(conditions_.able_to_scale, true, "SucceededRescale");
    store_scale_event(now, current, desired);
  } else {
    desired = current;
  }
  result.replicas = desired;
  result.rescaled = rescale;
  result.conditions = conditions_;
  return result;
}

std::int32_t Controller::stabilize_legacy(Millis now, std::int32_t desired) {
  std::int32_t max_recommendation = desired;
  bool found_old_sample = false;
  std::size_t old_sample_index = 0;
  const Millis cutoff = now - flags_.downscale_stabilization;
  for (std::size_t i = 0; i < recommendations_.size(); ++i) {
    const Recommendation& rec = recommendations_[i];
    if (rec.at < cutoff) { // rec.timestamp.Before(cutoff)
      found_old_sample = true;
      old_sample_index = i;
    } else if (rec.replicas > max_recommendation) {
      max_recommendation = rec.replicas;
    }
  }
  if (found_old_sample) {
    recommendations_[old_sample_index] = Recommendation{desired, now};
  } else {
    recommendations_.push_back(Recommendation{desired, now});
  }
  return max_recommendation;
}

std::int32_t Controller::normalize_legacy(Millis now, std::int32_t current, std::int32_t desired) {
  const std::int32_t stabilized = stabilize_legacy(now, desired);
  set_condition(conditions_.able_to_scale, true, stabilized != desired ? "ScaleDownStabilized" : "ReadyForNewScale");

  const Limit limited = legacy_limit(current, stabilized, spec_.min_replicas, spec_.max_replicas, flags_);
  set_condition(conditions_.scaling_limited, limited.replicas != stabilized, limited.reason);
  return limited.replicas;
}

Controller::Limit legacy_limit(std::int32_t current, std::int32_t desired, std::int32_t min_replicas,
                               std::int32_t max_replicas, const ControllerFlags& flags) {
  // calculateScaleUpLimit: int32(math.Max(scaleUpLimitFactor*float64(current), scaleUpLimitMinimum)),
  // which keeps a bogus metric from multiplying the replicas in one sync.
  const std::int32_t scale_up_limit =
      to_int32(std::fmax(flags.scale_up_limit_factor * static_cast<double>(current), flags.scale_up_limit_minimum));
  std::int32_t max_allowed = max_replicas;
  const char* reason = "TooManyReplicas";
  if (max_replicas > scale_up_limit) {
    max_allowed = scale_up_limit;
    reason = "ScaleUpLimit";
  }
  if (desired < min_replicas) {
    return {min_replicas, "TooFewReplicas"};
  }
  if (desired > max_allowed) {
    return {max_allowed, reason};
  }
  return {desired, "DesiredWithinRange"};
}

} // namespace graflow::simulate
