// The behavior path: API defaults (pkg/apis/autoscaling/v2/defaults.go), and from horizontal.go
// normalizeDesiredReplicasWithBehaviors, stabilizeRecommendationWithBehaviors,
// convertDesiredReplicasWithBehaviorRate, calculateScaleUpLimitWithScalingRules,
// calculateScaleDownLimitWithBehaviors, getReplicasChangePerPeriod, storeScaleEvent,
// markScaleEventsOutdated, getLongestPolicyPeriod. Same source as hpa.cpp (post-1.34 master;
// these functions unchanged from 1.34).
#include "graflow/simulate/hpa.hpp"

#include "graflow/simulate/hpa_internal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace graflow::simulate {

using detail::set_condition;
using detail::to_int32;

namespace {

HpaScalingRules copy_set_fields(const std::optional<HpaScalingRules>& from, HpaScalingRules to) {
  // copyHPAScalingRules: every field the user set wins over the default.
  if (!from) {
    return to;
  }
  if (from->select_policy) {
    to.select_policy = from->select_policy;
  }
  if (from->stabilization_window_seconds) {
    to.stabilization_window_seconds = from->stabilization_window_seconds;
  }
  if (!from->policies.empty()) {
    to.policies = from->policies;
  }
  return to;
}

std::int32_t longest_policy_period(const HpaScalingRules& rules) {
  std::int32_t longest = 0;
  for (const HpaPolicy& policy : rules.policies) {
    if (policy.period_seconds > longest) {
      longest = policy.period_seconds;
    }
  }
  return longest;
}

Millis seconds(std::int32_t s) { return Millis{static_cast<std::int64_t>(s) * 1000}; }

// currentReplicas - added + deleted, wrapping like Go's int32.
std::int32_t period_start(std::int32_t current, std::int32_t added, std::int32_t deleted) {
  return static_cast<std::int32_t>(static_cast<std::int64_t>(current) - added + deleted);
}

std::int32_t scale_up_limit(Millis now, std::int32_t current, const std::vector<Controller::ScaleEvent>& up_events,
                            const std::vector<Controller::ScaleEvent>& down_events, const HpaScalingRules& rules) {
  const SelectPolicy select = *rules.select_policy;
  if (select == SelectPolicy::disabled) {
    return current; // scaling is disabled
  }
  const bool min_change = select == SelectPolicy::min;
  // For scaling up, the lowest change (Min) is the smallest proposal.
  std::int32_t result = min_change ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::int32_t>::min();
  for (const HpaPolicy& policy : rules.policies) {
    const std::int32_t start =
        period_start(current, replicas_change_per_period(now, policy.period_seconds, up_events),
                     replicas_change_per_period(now, policy.period_seconds, down_events));
    std::int32_t proposed = 0;
    if (policy.type == HpaPolicy::Type::pods) {
      proposed = static_cast<std::int32_t>(static_cast<std::int64_t>(start) + policy.value);
    } else {
      // Rounded up, or a small percentage of few pods would never add one.
      proposed = to_int32(std::ceil(static_cast<double>(start) * (1 + static_cast<double>(policy.value) / 100)));
    }
    result = min_change ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

std::int32_t scale_down_limit(Millis now, std::int32_t current, const std::vector<Controller::ScaleEvent>& up_events,
                              const std::vector<Controller::ScaleEvent>& down_events, const HpaScalingRules& rules) {
  const SelectPolicy select = *rules.select_policy;
  if (select == SelectPolicy::disabled) {
    return current; // scaling is disabled
  }
  const bool min_change = select == SelectPolicy::min;
  // For scaling down, the lowest change (Min) is the largest proposal.
  std::int32_t result = min_change ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max();
  for (const HpaPolicy& policy : rules.policies) {
    const std::int32_t start =
        period_start(current, replicas_change_per_period(now, policy.period_seconds, up_events),
                     replicas_change_per_period(now, policy.period_seconds, down_events));
    std::int32_t proposed = 0;
    if (policy.type == HpaPolicy::Type::pods) {
      proposed = static_cast<std::int32_t>(static_cast<std::int64_t>(start) - policy.value);
    } else {
      proposed = to_int32(static_cast<double>(start) * (1 - static_cast<double>(policy.value) / 100));
    }
    result = min_change ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

// markScaleEventsOutdated, then storeScaleEvent's reuse of the last outdated slot.
void store_event(Millis now, std::vector<Controller::ScaleEvent>& events, std::int32_t longest_period,
                 std::int32_t change) {
  const Millis cutoff = now - seconds(longest_period);
  for (auto& event : events) {
    if (event.at < cutoff) {
      event.outdated = true;
    }
  }
  bool found_old_sample = false;
  std::size_t old_sample_index = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].outdated) {
      found_old_sample = true;
      old_sample_index = i;
    }
  }
  const Controller::ScaleEvent event{change, now, false};
  if (found_old_sample) {
    events[old_sample_index] = event;
  } else {
    events.push_back(event);
  }
}

} // namespace

std::int32_t replicas_change_per_period(Millis now, std::int32_t period_seconds,
                                        const std::vector<Controller::ScaleEvent>& events) {
  const Millis cutoff = now - seconds(period_seconds);
  std::int32_t replicas = 0;
  for (const auto& event : events) {
    if (event.at > cutoff) { // rec.timestamp.After(cutoff)
      replicas = static_cast<std::int32_t>(static_cast<std::int64_t>(replicas) + event.change);
    }
  }
  return replicas;
}

HpaScalingRules resolve_scale_up_rules(const std::optional<HpaScalingRules>& rules) {
  HpaScalingRules defaults;
  defaults.stabilization_window_seconds = 0;
  defaults.select_policy = SelectPolicy::max;
  defaults.policies = {HpaPolicy{HpaPolicy::Type::pods, 4, 15}, HpaPolicy{HpaPolicy::Type::percent, 100, 15}};
  return copy_set_fields(rules, defaults);
}

HpaScalingRules resolve_scale_down_rules(const std::optional<HpaScalingRules>& rules, Millis downscale_stabilization) {
  HpaScalingRules defaults;
  defaults.select_policy = SelectPolicy::max;
  defaults.policies = {HpaPolicy{HpaPolicy::Type::percent, 100, 15}};
  HpaScalingRules resolved = copy_set_fields(rules, defaults);
  if (!resolved.stabilization_window_seconds) {
    // (int32)(a.downscaleStabilisationWindow.Seconds()): whole seconds, truncated.
    resolved.stabilization_window_seconds =
        to_int32(static_cast<double>(downscale_stabilization.count()) / 1000.0);
  }
  return resolved;
}

std::int32_t Controller::stabilize_with_behaviors(Millis now, std::int32_t current, std::int32_t desired,
                                                  const char** reason) {
  bool found_old_sample = false;
  std::size_t old_sample_index = 0;
  std::int32_t up_recommendation = desired;
  const Millis up_cutoff = now - seconds(*resolved_->up.stabilization_window_seconds);
  std::int32_t down_recommendation = desired;
  const Millis down_cutoff = now - seconds(*resolved_->down.stabilization_window_seconds);
  for (std::size_t i = 0; i < recommendations_.size(); ++i) {
    const Recommendation& rec = recommendations_[i];
    if (rec.at > up_cutoff) {
      up_recommendation = std::min(rec.replicas, up_recommendation);
    }
    if (rec.at > down_cutoff) {
      down_recommendation = std::max(rec.replicas, down_recommendation);
    }
    if (rec.at < up_cutoff && rec.at < down_cutoff) {
      found_old_sample = true;
      old_sample_index = i;
    }
  }
  // Bring the recommendation within the upper and lower limits.
  std::int32_t recommendation = current;
  if (recommendation < up_recommendation) {
    recommendation = up_recommendation;
  }
  if (recommendation > down_recommendation) {
    recommendation = down_recommendation;
  }
  if (found_old_sample) {
    recommendations_[old_sample_index] = Recommendation{desired, now};
  } else {
    recommendations_.push_back(Recommendation{desired, now});
  }
  *reason = desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized";
  return recommendation;
}

Controller::Limit Controller::behavior_rate_limit(Millis now, std::int32_t current, std::int32_t desired) const {
  if (desired > current) {
    std::int32_t limit = scale_up_limit(now, current, scale_up_events_, scale_down_events_, resolved_->up);
    if (limit < current) {
      limit = current; // no further scale-up until the events age out
    }
    std::int32_t max_allowed = spec_.max_replicas;
    const char* reason = "TooManyReplicas";
    if (max_allowed > limit) {
      max_allowed = limit;
      reason = "ScaleUpLimit";
    }
    if (desired > max_allowed) {
      return {max_allowed, reason};
    }
  } else if (desired < current) {
    std::int32_t limit = scale_down_limit(now, current, scale_up_events_, scale_down_events_, resolved_->down);
    if (limit > current) {
      limit = current; // no further scale-down until the events age out
    }
    std::int32_t min_allowed = spec_.min_replicas;
    const char* reason = "TooFewReplicas";
    if (min_allowed < limit) {
      min_allowed = limit;
      reason = "ScaleDownLimit";
    }
    if (desired < min_allowed) {
      return {min_allowed, reason};
    }
  }
  return {desired, "DesiredWithinRange"};
}

std::int32_t Controller::normalize_with_behaviors(Millis now, std::int32_t current, std::int32_t desired) {
  const char* stabilized_reason = nullptr;
  const std::int32_t stabilized = stabilize_with_behaviors(now, current, desired, &stabilized_reason);
  set_condition(conditions_.able_to_scale, true, stabilized != desired ? stabilized_reason : "ReadyForNewScale");
  const Limit limited = behavior_rate_limit(now, current, stabilized);
  set_condition(conditions_.scaling_limited, limited.replicas != stabilized, limited.reason);
  return limited.replicas;
}

void Controller::store_scale_event(Millis now, std::int32_t previous, std::int32_t next) {
  if (!resolved_) {
    return; // the legacy path never reads them
  }
  if (next > previous) {
    store_event(now, scale_up_events_, longest_policy_period(resolved_->up),
                static_cast<std::int32_t>(static_cast<std::int64_t>(next) - previous));
  } else {
    store_event(now, scale_down_events_, longest_policy_period(resolved_->down),
                static_cast<std::int32_t>(static_cast<std::int64_t>(previous) - next));
  }
}

} // namespace graflow::simulate
