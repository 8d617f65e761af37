#include "graflow/core/duration.hpp"

#include "graflow/core/error.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace graflow {

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return usage_error(fmt::format("invalid {} \"{}\": expected a duration such as 500ms, 2s, 5m or 1h30m",
                                   what, text));
  };
  if (text.empty()) {
    throw bad();
  }
  double total_ms = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t i = 0;
    while (i < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.')) {
      ++i;
    }
    if (i == 0) {
      throw bad();
    }
    double number = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + i, number);
    if (ec != std::errc{} || ptr != rest.data() + i) {
      throw bad();
    }
    rest.remove_prefix(i);
    std::size_t u = 0;
    while (u < rest.size() && std::isalpha(static_cast<unsigned char>(rest[u]))) {
      ++u;
    }
    const std::string_view unit = rest.substr(0, u);
    rest.remove_prefix(u);
    double scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else {
      throw bad();
    }
    total_ms += number * scale;
  }
  if (total_ms > 1e12) {
    throw bad();
  }
  return std::chrono::milliseconds(std::llround(total_ms));
}

std::string format_duration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms < 1000) {
    return fmt::format("{}ms", ms);
  }
  std::string out;
  const long long h = ms / 3'600'000;
  ms %= 3'600'000;
  const long long m = ms / 60'000;
  ms %= 60'000;
  if (h > 0) {
    out += fmt::format("{}h", h);
  }
  if (m > 0) {
    out += fmt::format("{}m", m);
  }
  if (ms > 0) {
    if (ms % 1000 == 0) {
      out += fmt::format("{}s", ms / 1000);
    } else {
      out += fmt::format("{}s", static_cast<double>(ms) / 1000.0);
    }
  }
  return out;
}

} // namespace graflow
