#pragma once
// RFC 3339 timestamps, as Kubernetes writes them (expirationTimestamp, annotations), parsed
// and formatted with Howard Hinnant's date library (std::chrono::parse arrives in GCC 14).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace graflow::time {

// "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.5+02:00" (fractions down to nanoseconds,
// 'Z' or a ±hh:mm offset; 't' and 'z' accepted too). nullopt when malformed or when the
// offset is missing.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// "2024-05-01T10:00:00Z": UTC, whole seconds (fractions are cut, not rounded).
std::string format_rfc3339(std::chrono::system_clock::time_point t);

} // namespace graflow::time
