#include "graflow/simulate/waits.hpp"

#include <algorithm>
#include <cmath>

namespace graflow::simulate {

std::int64_t nearest_rank(const std::vector<std::pair<std::int64_t, std::int64_t>>& sorted_waits, double p) {
  std::int64_t total = 0;
  for (const auto& w : sorted_waits) {
    total += w.second;
  }
  if (total == 0) {
    return 0;
  }
  const auto rank =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(p / 100.0 * static_cast<double>(total))));
  std::int64_t seen = 0;
  for (const auto& w : sorted_waits) {
    seen += w.second;
    if (seen >= rank) {
      return w.first;
    }
  }
  return sorted_waits.back().first;
}

WaitTally::WaitTally(std::int64_t step_ms, std::int64_t end_ms, bool on_grid)
    : step_ms_(step_ms), on_grid_(on_grid) {
  if (on_grid_) {
    histogram_.assign(static_cast<std::size_t>(end_ms / step_ms + 1), 0);
  }
}

void WaitTally::record(std::int64_t wait_ms, std::int64_t tasks) {
  wait_ms = std::max<std::int64_t>(0, wait_ms);
  if (on_grid_) {
    histogram_[static_cast<std::size_t>(wait_ms / step_ms_)] += tasks;
  } else if (!records_.empty() && records_.back().first == wait_ms) {
    records_.back().second += tasks;
  } else {
    records_.emplace_back(wait_ms, tasks);
  }
}

std::vector<std::pair<std::int64_t, std::int64_t>> WaitTally::sorted() const {
  if (!on_grid_) {
    std::sort(records_.begin(), records_.end());
    return records_;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::size_t i = 0; i < histogram_.size(); ++i) {
    if (histogram_[i] > 0) {
      out.emplace_back(static_cast<std::int64_t>(i) * step_ms_, histogram_[i]);
    }
  }
  return out;
}

} // namespace graflow::simulate
