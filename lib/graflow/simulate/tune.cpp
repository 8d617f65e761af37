#include "graflow/simulate/tune.hpp"

#include "graflow/core/error.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <thread>
#include <yaml-cpp/yaml.h>

namespace graflow::simulate {
namespace {

// Up to `n` evenly spread whole values of [lo, hi], both ends included.
std::vector<int> spread(Range r, int n) {
  std::vector<int> out;
  const int span = r.hi - r.lo;
  if (span + 1 <= n) {
    for (int v = r.lo; v <= r.hi; ++v) {
      out.push_back(v);
    }
    return out;
  }
  for (int i = 0; i < n; ++i) {
    out.push_back(r.lo + static_cast<int>(static_cast<long long>(span) * i / (n - 1)));
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::pair<std::string, std::optional<config::Behavior>>> shapes() {
  config::ScalingRules fast_up;
  fast_up.stabilization_window_seconds = 0;
  fast_up.select_policy = "Max";
  fast_up.policies = {{"Percent", 200, 15}, {"Pods", 10, 15}};
  config::ScalingRules slow_down;
  slow_down.stabilization_window_seconds = 600;
  slow_down.select_policy = "Max";
  slow_down.policies = {{"Percent", 10, 60}};
  return {{"legacy", std::nullopt},
          {"defaults", config::Behavior{}},
          {"fast-up", config::Behavior{fast_up, std::nullopt}},
          {"fast-up-slow-down", config::Behavior{fast_up, slow_down}}};
}

void emit_rules(YAML::Emitter& y, const char* key, const config::ScalingRules& r) {
  y << YAML::Key << key << YAML::Value << YAML::BeginMap;
  if (r.stabilization_window_seconds) {
    y << YAML::Key << "stabilizationWindowSeconds" << YAML::Value << *r.stabilization_window_seconds;
  }
  if (r.select_policy) {
    y << YAML::Key << "selectPolicy" << YAML::Value << *r.select_policy;
  }
  if (!r.policies.empty()) {
    y << YAML::Key << "policies" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : r.policies) {
      y << YAML::BeginMap << YAML::Key << "type" << YAML::Value << p.type << YAML::Key << "value" << YAML::Value
        << p.value << YAML::Key << "periodSeconds" << YAML::Value << p.period_seconds << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  y << YAML::EndMap;
}

} // namespace

Range parse_range(std::string_view text, std::string_view flag, bool allow_zero) {
  auto bad = [&] {
    return usage_error(fmt::format("{} \"{}\": expected A..B, two whole numbers with {} <= A <= B", flag, text,
                                   allow_zero ? 0 : 1));
  };
  const std::size_t dots = text.find("..");
  const std::string_view a = text.substr(0, dots);
  const std::string_view b = dots == std::string_view::npos ? a : text.substr(dots + 2);
  Range r;
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), r.lo);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), r.hi);
  if (a.empty() || b.empty() || ea != std::errc{} || eb != std::errc{} || pa != a.data() + a.size() ||
      pb != b.data() + b.size() || r.lo < (allow_zero ? 0 : 1) || r.hi < r.lo || r.hi > 100000) {
    throw bad();
  }
  return r;
}

TuneOptions default_ranges(const config::Profile& p) {
  TuneOptions t;
  t.min_replicas = {1, std::max(2, p.min_replicas)};
  t.max_replicas = {std::max(t.min_replicas.hi, p.max_replicas / 2), std::max(t.min_replicas.hi, p.max_replicas * 2)};
  t.average_value = {std::max(1, p.average_value / 2), std::max(2, p.average_value * 2)};
  return t;
}

TuneResult tune(const config::Profile& base, const Trace& arrivals, const ModelOptions& options,
                const TuneOptions& t) {
  std::vector<Candidate> candidates;
  for (const auto& [shape, behavior] : shapes()) {
    for (int avg : spread(t.average_value, 8)) {
      for (int mn : spread(t.min_replicas, 4)) {
        for (int mx : spread(t.max_replicas, 4)) {
          if (mn <= mx && mx > 0) {
            candidates.push_back({mn, mx, avg, shape, behavior});
          }
        }
      }
    }
  }
  std::vector<std::optional<Summary>> results(candidates.size());
  ModelOptions o = options;
  o.timeline = false;
  auto work = [&](std::size_t first, std::size_t stride) {
    for (std::size_t i = first; i < candidates.size(); i += stride) {
      config::Profile p = base;
      p.min_replicas = candidates[i].min_replicas;
      p.max_replicas = candidates[i].max_replicas;
      p.average_value = candidates[i].average_value;
      p.behavior = candidates[i].behavior;
      ModelOptions mine = o;
      if (!options.start_replicas) {
        mine.start_replicas = p.min_replicas;
      }
      results[i] = run_closed(hpa_spec_of(p), arrivals, mine).summary;
    }
  };
  const std::size_t threads = std::min<std::size_t>(2, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) {
    pool.emplace_back(work, i, threads);
  }
  work(0, threads);
  for (auto& th : pool) {
    th.join();
  }
  TuneResult out;
  out.candidates = candidates.size();
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Summary& s = *results[i];
    if (s.wait_p99_ms > t.max_wait_ms) {
      continue;
    }
    if (!out.best || s.worker_ms < out.summary.worker_ms) {
      out.best = candidates[i];
      out.summary = s;
    }
  }
  return out;
}

std::string profile_snippet(const Candidate& c, const std::string& base_name) {
  YAML::Emitter y;
  y << YAML::BeginMap << YAML::Key << "profiles" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << base_name + "-tuned" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "extends" << YAML::Value << base_name;
  y << YAML::Key << "minReplicas" << YAML::Value << c.min_replicas;
  y << YAML::Key << "maxReplicas" << YAML::Value << c.max_replicas;
  y << YAML::Key << "averageValue" << YAML::Value << c.average_value;
  if (c.behavior) {
    y << YAML::Key << "behavior" << YAML::Value << YAML::BeginMap;
    if (c.behavior->scale_up) {
      emit_rules(y, "scaleUp", *c.behavior->scale_up);
    }
    if (c.behavior->scale_down) {
      emit_rules(y, "scaleDown", *c.behavior->scale_down);
    }
    y << YAML::EndMap;
  }
  y << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

} // namespace graflow::simulate
