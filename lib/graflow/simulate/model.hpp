#pragma once
// The queue and the Deployment around the HPA controller (DESIGN.md §9): open loop on a
// recorded depth, closed loop on arrivals with a FIFO queue, pod start-up and a metric
// delay. Deterministic: the same inputs give the same timeline and summary.
#include "graflow/config/profile.hpp"
#include "graflow/simulate/hpa.hpp"
#include "graflow/simulate/traces.hpp"
#include "graflow/simulate/waits.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace graflow::simulate {

struct ModelOptions {
  std::int64_t step_ms = 1000;
  std::int64_t sync_period_ms = 15'000;
  std::int64_t metric_delay_ms = 30'000;
  std::int64_t pod_startup_ms = 30'000;
  std::int64_t end_ms = 0;            // the last step starts here (inclusive)
  double per_worker_rate = 0;         // tasks/s per ready pod (closed loop)
  std::optional<std::int32_t> start_replicas; // default: minReplicas
  ControllerFlags flags;
  bool timeline = true;               // record every sync (off for --tune's candidates)
};

struct SyncRecord {
  std::int64_t t_ms = 0;
  std::int64_t depth = 0;
  std::optional<std::int64_t> metric;
  std::optional<std::int32_t> proposal;
  std::int32_t replicas = 0;
  std::int32_t ready = 0;
  Conditions conditions;
};

struct Summary {
  std::int32_t peak_replicas = 0;
  std::int64_t worker_ms = 0;
  std::int64_t scale_events = 0;
  std::int64_t direction_changes = 0;
  std::int64_t tasks_arrived = 0;
  std::int64_t tasks_done = 0;
  std::int64_t wait_p50_ms = 0;
  std::int64_t wait_p99_ms = 0;
  std::int64_t wait_max_ms = 0;
  std::optional<std::int64_t> drain_ms;
  std::int64_t final_depth = 0;
};

struct RunResult {
  bool closed = false;
  std::vector<SyncRecord> syncs;
  Summary summary;
};

// The profile's HPA as the controller sees it: averageValue in milli-units, the behavior
// block with its type and selectPolicy strings mapped (unknown strings: a usage Error).
HpaSpec hpa_spec_of(const config::Profile& profile);

// Checks that the periods are whole multiples of the step (a usage Error naming the flag).
void check_steps(const ModelOptions& options);

// Open loop: the HPA follows `depth` (a depth trace); status.replicas is the previous scale.
RunResult run_open(const HpaSpec& spec, const Trace& depth, const ModelOptions& options);

// Closed loop: `arrivals` join a FIFO queue served by ready pods at per_worker_rate.
RunResult run_closed(const HpaSpec& spec, const Trace& arrivals, const ModelOptions& options);

} // namespace graflow::simulate
