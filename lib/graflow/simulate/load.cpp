#include "graflow/simulate/load.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <numbers>
#include <optional>

namespace graflow::simulate {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (true) {
    const std::size_t next = s.find(sep, pos);
    parts.push_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) {
      return parts;
    }
    pos = next + 1;
  }
}

Error bad(std::string_view spec, const std::string& what) {
  return usage_error(fmt::format("invalid --load \"{}\": {} (expected e.g. steady:rate=5, "
                                 "burst:tasks=500,every=10m or daily:low=1,high=20)",
                                 spec, what));
}

double number(std::string_view spec, std::string_view key, std::string_view text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || !std::isfinite(v) || v < 0 || v > 1e9) {
    throw bad(spec, fmt::format("{}={} is not a number >= 0", key, text));
  }
  return v;
}

std::int64_t whole(std::string_view spec, std::string_view key, std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v < 0 || v > 1'000'000'000'000) {
    throw bad(spec, fmt::format("{}={} is not a whole number >= 0", key, text));
  }
  return v;
}

LoadComponent parse_component(std::string_view spec, std::string_view part) {
  const std::size_t colon = part.find(':');
  if (colon == std::string_view::npos) {
    throw bad(spec, fmt::format("\"{}\" has no KIND:", part));
  }
  const std::string_view kind = part.substr(0, colon);
  std::map<std::string, std::string, std::less<>> kv;
  for (auto item : split(part.substr(colon + 1), ',')) {
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw bad(spec, fmt::format("\"{}\" is not KEY=VALUE", item));
    }
    if (!kv.emplace(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))).second) {
      throw bad(spec, fmt::format("{} given twice", item.substr(0, eq)));
    }
  }
  auto take = [&](const char* key, bool required) -> std::optional<std::string> {
    auto it = kv.find(key);
    if (it == kv.end()) {
      if (required) {
        throw bad(spec, fmt::format("{} needs {}=", kind, key));
      }
      return std::nullopt;
    }
    std::string v = it->second;
    kv.erase(it);
    return v;
  };
  auto duration = [&](const char* key, const std::string& v) {
    return parse_duration(v, fmt::format("--load {}={}", key, v)).count();
  };
  LoadComponent c;
  if (kind == "steady") {
    c.kind = LoadComponent::Kind::steady;
    c.rate = number(spec, "rate", *take("rate", true));
  } else if (kind == "burst") {
    c.kind = LoadComponent::Kind::burst;
    c.tasks = whole(spec, "tasks", *take("tasks", true));
    c.every_ms = duration("every", *take("every", true));
    if (c.every_ms <= 0) {
      throw bad(spec, "every= must be greater than zero");
    }
    if (auto at = take("at", false)) {
      c.at_ms = duration("at", *at);
    }
  } else if (kind == "daily") {
    c.kind = LoadComponent::Kind::daily;
    c.low = number(spec, "low", *take("low", true));
    c.high = number(spec, "high", *take("high", true));
    if (auto period = take("period", false)) {
      c.period_ms = duration("period", *period);
      if (c.period_ms <= 0) {
        throw bad(spec, "period= must be greater than zero");
      }
    }
  } else {
    throw bad(spec, fmt::format("unknown kind \"{}\" (steady, burst or daily)", kind));
  }
  if (!kv.empty()) {
    throw bad(spec, fmt::format("{} has no {}=", kind, kv.begin()->first));
  }
  return c;
}

// Tasks of a continuous component arrived in [0, t_ms).
double cumulative(const LoadComponent& c, std::int64_t t_ms) {
  const double t = static_cast<double>(t_ms) / 1000.0;
  if (c.kind == LoadComponent::Kind::steady) {
    return c.rate * t;
  }
  const double period = static_cast<double>(c.period_ms) / 1000.0;
  const double w = 2.0 * std::numbers::pi / period;
  return c.low * t + (c.high - c.low) / 2.0 * (t - std::sin(w * t) / w);
}

} // namespace

LoadSpec parse_load(std::string_view spec) {
  LoadSpec out;
  out.text = std::string(spec);
  if (spec.empty()) {
    throw bad(spec, "empty");
  }
  for (auto part : split(spec, '+')) {
    out.components.push_back(parse_component(spec, part));
  }
  return out;
}

Trace generate_load(const LoadSpec& spec, std::int64_t end_ms, std::int64_t step_ms) {
  Trace trace;
  trace.kind = TraceKind::arrivals;
  std::map<std::int64_t, std::int64_t> bursts;
  std::vector<const LoadComponent*> continuous;
  for (const auto& c : spec.components) {
    if (c.kind == LoadComponent::Kind::burst) {
      for (std::int64_t t = c.at_ms; t <= end_ms && c.tasks > 0; t += c.every_ms) {
        bursts[t] += c.tasks;
      }
    } else {
      continuous.push_back(&c);
    }
  }
  auto burst = bursts.begin();
  trace.points.reserve(static_cast<std::size_t>(end_ms / step_ms) + bursts.size() + 1);
  std::vector<double> floor_before(continuous.size(), 0.0);
  for (std::int64_t t = 0; t <= end_ms; t += step_ms) {
    std::int64_t n = 0;
    if (t < end_ms) {
      for (std::size_t i = 0; i < continuous.size(); ++i) {
        const double after = std::floor(cumulative(*continuous[i], t + step_ms));
        n += static_cast<std::int64_t>(after - floor_before[i]);
        floor_before[i] = after;
      }
    }
    for (; burst != bursts.end() && burst->first == t; ++burst) {
      n += burst->second;
    }
    if (n > 0) {
      trace.points.push_back({t, n});
    }
    // Bursts inside (t, t + step) keep their own time.
    for (; burst != bursts.end() && burst->first < t + step_ms; ++burst) {
      trace.points.push_back({burst->first, burst->second});
    }
  }
  return trace;
}

} // namespace graflow::simulate
