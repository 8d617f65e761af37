#pragma once
// `simulate --load SPEC`: deterministic arrival generators for the closed loop.
//
//   SPEC      := COMPONENT ( "+" COMPONENT )*
//   COMPONENT := steady:rate=R                      R tasks/s, all the time
//              | burst:tasks=N,every=D[,at=D]       N tasks at t = at, at+every, ... (at: 0)
//              | daily:low=L,high=H[,period=D]      a rate moving as a cosine between L tasks/s
//                                                   at t = 0 and H at period/2 (period: 24h)
// R, L, H are decimal numbers >= 0; N a whole number; D a duration (500ms, 10m, 1h30m).
// Continuous rates (steady, daily) deliver floor(C(t + step)) - floor(C(t)) tasks at the
// start of each step [t, t + step), C being the cumulative number of tasks; no randomness.
#include "graflow/simulate/traces.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::simulate {

struct LoadComponent {
  enum class Kind { steady, burst, daily };
  Kind kind = Kind::steady;
  double rate = 0;          // steady: tasks/s
  std::int64_t tasks = 0;   // burst
  std::int64_t every_ms = 0;
  std::int64_t at_ms = 0;
  double low = 0;           // daily: tasks/s
  double high = 0;
  std::int64_t period_ms = 24 * 3600 * 1000;
};

struct LoadSpec {
  std::string text; // as the user wrote it
  std::vector<LoadComponent> components;
};

// Parses SPEC (grammar above); a usage Error naming the bad part.
LoadSpec parse_load(std::string_view spec);

// The arrivals of the whole run [0, end] in steps of `step_ms`, as an arrivals trace.
Trace generate_load(const LoadSpec& spec, std::int64_t end_ms, std::int64_t step_ms);

} // namespace graflow::simulate
