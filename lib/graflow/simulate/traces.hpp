#pragma once
// CSV load traces for `simulate` (DESIGN.md §9): "seconds,depth" (open loop, a step function)
// and "seconds,tasks" (closed loop, arrival events). Parsed in one linear pass.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::simulate {

enum class TraceKind { depth, arrivals };

// One row after the shift to t = 0: milliseconds and a whole non-negative value.
struct TracePoint {
  std::int64_t t_ms = 0;
  std::int64_t value = 0;
};

// Rows in time order. Depth: times strictly increasing. Arrivals: times strictly increasing
// too, because rows with the same time have been added up.
struct Trace {
  TraceKind kind = TraceKind::depth;
  std::vector<TracePoint> points;

  // The last row's time (the run's default end).
  [[nodiscard]] std::int64_t end_ms() const { return points.empty() ? 0 : points.back().t_ms; }
};

// The largest trace file read (a week at 1 s resolution is ~10 MiB).
inline constexpr std::uintmax_t k_max_trace_bytes = 512ull << 20;

// Parses `text` as a trace of `kind`; `name` is the file name used in errors, which are
// usage Errors "NAME:LINE: what is wrong".
Trace parse_trace(std::string_view text, TraceKind kind, std::string_view name);

// Reads and parses the file (one read, size-limited to k_max_trace_bytes).
Trace read_trace(const std::filesystem::path& path, TraceKind kind);

// The depth trace's value at `t_ms` (the last row at or before it; 0 before the first).
std::int64_t depth_at(const Trace& trace, std::int64_t t_ms);

} // namespace graflow::simulate
