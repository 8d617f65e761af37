#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace graflow {

// Parses Go-style durations as kubectl and helm accept them: "2s", "500ms", "1m30s", "1h".
// A bare number is rejected so that "30" is never silently seconds or milliseconds.
// Throws a usage Error naming `what` on bad input.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

// The shortest Go-style spelling: 1500ms -> "1.5s", 90s -> "1m30s".
std::string format_duration(std::chrono::milliseconds d);

} // namespace graflow
