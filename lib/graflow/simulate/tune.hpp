#pragma once
// `simulate --tune`: a deterministic grid search over averageValue, minReplicas, maxReplicas
// and a few behavior shapes for the cheapest profile (fewest worker-seconds) whose p99 wait
// stays within --max-wait on the given closed-loop load.
#include "graflow/config/profile.hpp"
#include "graflow/simulate/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graflow::simulate {

struct Range {
  int lo = 0;
  int hi = 0;
};

// "A..B" (or "A") with 0 <= A <= B; `allow_zero` false requires A >= 1. A usage Error naming `flag`.
Range parse_range(std::string_view text, std::string_view flag, bool allow_zero);

struct TuneOptions {
  std::int64_t max_wait_ms = 0;
  Range min_replicas;
  Range max_replicas;
  Range average_value;
};

// The ranges searched when the user gives none, around the profile's values.
TuneOptions default_ranges(const config::Profile& profile);

struct Candidate {
  int min_replicas = 0;
  int max_replicas = 0;
  int average_value = 0;
  std::string shape; // legacy, defaults, fast-up, fast-up-slow-down
  std::optional<config::Behavior> behavior;
};

struct TuneResult {
  std::size_t candidates = 0;
  std::optional<Candidate> best; // nullopt: none met --max-wait
  Summary summary;               // the best candidate's
};

// Runs every candidate (on up to two threads); ties go to the earlier candidate.
TuneResult tune(const config::Profile& base, const Trace& arrivals, const ModelOptions& options,
                const TuneOptions& tune);

// The candidate as a graflow.yaml profile that extends `base_name`.
std::string profile_snippet(const Candidate& c, const std::string& base_name);

} // namespace graflow::simulate
