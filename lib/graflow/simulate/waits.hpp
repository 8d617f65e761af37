#pragma once
// The waits of a closed-loop run, tallied per task for exact nearest-rank percentiles.
#include <cstdint>
#include <utility>
#include <vector>

namespace graflow::simulate {

// Nearest-rank percentile `p` (0 < p <= 100) of waits given as (wait, count) pairs, sorted
// by wait; 0 when there are none.
std::int64_t nearest_rank(const std::vector<std::pair<std::int64_t, std::int64_t>>& sorted_waits, double p);

// Counts tasks per wait. When every wait is a whole number of steps (arrivals on step
// boundaries, the usual case) a dense histogram, else (wait, count) records sorted at the end:
// --tune runs hundreds of candidates and a sort per candidate would dominate.
class WaitTally {
public:
  // `on_grid`: every wait recorded will be a multiple of `step_ms` within [0, end_ms].
  WaitTally(std::int64_t step_ms, std::int64_t end_ms, bool on_grid);

  void record(std::int64_t wait_ms, std::int64_t tasks);

  // (wait, count) sorted by wait.
  [[nodiscard]] std::vector<std::pair<std::int64_t, std::int64_t>> sorted() const;

private:
  std::int64_t step_ms_;
  bool on_grid_;
  std::vector<std::int64_t> histogram_;                      // on the grid: tasks per wait / step
  mutable std::vector<std::pair<std::int64_t, std::int64_t>> records_; // off the grid
};

} // namespace graflow::simulate
