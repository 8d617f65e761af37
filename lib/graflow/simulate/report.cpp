#include "graflow/simulate/report.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/table.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <ostream>

namespace graflow::simulate {
namespace {

using nlohmann::ordered_json;

ordered_json condition_json(const std::optional<Condition>& c) {
  return c ? ordered_json(c->reason) : ordered_json(nullptr);
}

ordered_json rules_json(const config::ScalingRules& r) {
  ordered_json j = ordered_json::object();
  if (r.stabilization_window_seconds) {
    j["stabilizationWindowSeconds"] = *r.stabilization_window_seconds;
  }
  if (r.select_policy) {
    j["selectPolicy"] = *r.select_policy;
  }
  if (!r.policies.empty()) {
    j["policies"] = ordered_json::array();
    for (const auto& p : r.policies) {
      j["policies"].push_back({{"type", p.type}, {"value", p.value}, {"periodSeconds", p.period_seconds}});
    }
  }
  return j;
}

std::string dur(std::int64_t ms) { return ms == 0 ? "0s" : format_duration(std::chrono::milliseconds(ms)); }

std::string seconds_text(std::int64_t ms) {
  return ms % 1000 == 0 ? fmt::format("{}", ms / 1000) : fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0);
}

std::vector<std::string> summary_cells(const Summary& s, bool closed) {
  const auto wait = [&](std::int64_t ms) { return closed ? dur(ms) : std::string("-"); };
  return {std::to_string(s.peak_replicas),
          seconds_text(s.worker_ms),
          std::to_string(s.scale_events),
          std::to_string(s.direction_changes),
          closed ? std::to_string(s.tasks_arrived) : "-",
          closed ? std::to_string(s.tasks_done) : "-",
          wait(s.wait_p50_ms),
          wait(s.wait_p99_ms),
          wait(s.wait_max_ms),
          s.drain_ms ? dur(*s.drain_ms) : "never",
          std::to_string(s.final_depth)};
}

constexpr std::array<const char*, 11> k_summary_rows = {
    "peak replicas", "worker-seconds", "scale events", "direction changes", "tasks arrived", "tasks done",
    "wait p50",      "wait p99",       "wait max",     "drain",             "final depth"};

void write_columns(std::ostream& out, const std::vector<std::string>& names,
                   const std::vector<std::vector<std::string>>& columns) {
  std::vector<std::string> headers = {"SUMMARY"};
  headers.insert(headers.end(), names.begin(), names.end());
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < k_summary_rows.size(); ++i) {
    std::vector<std::string> row = {std::string(k_summary_rows.at(i))};
    for (const auto& c : columns) {
      row.push_back(c[i]);
    }
    rows.push_back(std::move(row));
  }
  write_table(out, headers, rows);
}

// One line of block characters: the highest value of each column's time slice.
std::string spark(const std::vector<SyncRecord>& syncs, std::int64_t end_ms, int width, bool depth,
                  std::int64_t top) {
  static const char* const k_blocks[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::vector<std::int64_t> col(static_cast<std::size_t>(width), -1);
  for (const auto& s : syncs) {
    const auto i = std::min<std::int64_t>(width - 1, end_ms > 0 ? s.t_ms * width / (end_ms + 1) : 0);
    col[static_cast<std::size_t>(i)] = std::max(col[static_cast<std::size_t>(i)], depth ? s.depth : s.replicas);
  }
  std::string line;
  std::int64_t last = 0;
  for (auto v : col) {
    if (v < 0) {
      v = last; // no sync in this slice: the value holds
    }
    last = v;
    const auto level = top <= 0 ? 0 : (v == 0 ? 0 : std::max<std::int64_t>(1, (v * 8 + top - 1) / top));
    line += k_blocks[std::min<std::int64_t>(8, level)];
  }
  return line;
}

} // namespace

ordered_json seconds_json(std::int64_t ms) {
  if (ms % 1000 == 0) {
    return ms / 1000;
  }
  return static_cast<double>(ms) / 1000.0;
}

ordered_json summary_json(const Summary& s) {
  return {{"peak_replicas", s.peak_replicas},
          {"worker_seconds", seconds_json(s.worker_ms)},
          {"scale_events", s.scale_events},
          {"direction_changes", s.direction_changes},
          {"tasks_arrived", s.tasks_arrived},
          {"tasks_done", s.tasks_done},
          {"wait_p50_s", seconds_json(s.wait_p50_ms)},
          {"wait_p99_s", seconds_json(s.wait_p99_ms)},
          {"wait_max_s", seconds_json(s.wait_max_ms)},
          {"drain_s", s.drain_ms ? seconds_json(*s.drain_ms) : ordered_json(nullptr)},
          {"final_depth", s.final_depth}};
}

ordered_json report_json(const std::vector<NamedRun>& runs, const std::optional<TuneReport>& tune) {
  ordered_json doc;
  doc["runs"] = ordered_json::array();
  for (const auto& run : runs) {
    ordered_json syncs = ordered_json::array();
    for (const auto& s : run.result.syncs) {
      syncs.push_back({{"t", seconds_json(s.t_ms)},
                       {"depth", s.depth},
                       {"metric", s.metric ? ordered_json(*s.metric) : ordered_json(nullptr)},
                       {"proposal", s.proposal ? ordered_json(*s.proposal) : ordered_json(nullptr)},
                       {"replicas", s.replicas},
                       {"ready", s.ready},
                       {"conditions",
                        {{"AbleToScale", condition_json(s.conditions.able_to_scale)},
                         {"ScalingActive", condition_json(s.conditions.scaling_active)},
                         {"ScalingLimited", condition_json(s.conditions.scaling_limited)}}}});
    }
    doc["runs"].push_back({{"profile", run.profile},
                           {"mode", run.result.closed ? "closed" : "open"},
                           {"syncs", std::move(syncs)},
                           {"summary", summary_json(run.result.summary)}});
  }
  if (tune) {
    ordered_json best = nullptr;
    if (const auto& b = tune->result.best) {
      ordered_json behavior = nullptr;
      if (b->behavior) {
        behavior = ordered_json::object();
        if (b->behavior->scale_up) {
          behavior["scaleUp"] = rules_json(*b->behavior->scale_up);
        }
        if (b->behavior->scale_down) {
          behavior["scaleDown"] = rules_json(*b->behavior->scale_down);
        }
      }
      best = {{"minReplicas", b->min_replicas},
              {"maxReplicas", b->max_replicas},
              {"averageValue", b->average_value},
              {"behavior", behavior}};
    }
    doc["tune"] = {{"max_wait_s", seconds_json(tune->max_wait_ms)},
                   {"best", best},
                   {"summary", tune->result.best ? summary_json(tune->result.summary) : ordered_json(nullptr)}};
  }
  return doc;
}

void write_summary_table(std::ostream& out, const std::vector<NamedRun>& runs) {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> columns;
  for (const auto& r : runs) {
    names.push_back(r.profile);
    columns.push_back(summary_cells(r.result.summary, r.result.closed));
  }
  write_columns(out, names, columns);
}

void write_chart(std::ostream& out, const std::vector<NamedRun>& runs, std::int64_t end_ms, int width) {
  if (runs.empty() || runs.front().result.syncs.empty()) {
    return;
  }
  std::size_t name_width = 0;
  for (const auto& r : runs) {
    name_width = std::max(name_width, r.profile.size());
  }
  // Depth once in open loop (the same trace), per profile in closed loop.
  const bool per_run_depth = runs.front().result.closed;
  for (const bool depth : {true, false}) {
    std::int64_t top = 0;
    for (const auto& r : runs) {
      for (const auto& s : r.result.syncs) {
        top = std::max(top, depth ? s.depth : static_cast<std::int64_t>(s.replicas));
      }
    }
    for (const auto& r : runs) {
      if (depth && !per_run_depth && &r != &runs.front()) {
        continue;
      }
      const std::string who = depth && !per_run_depth ? "" : r.profile;
      out << fmt::format("{:<9}{:<{}} |{}| max {}\n", depth ? "depth" : "replicas", who, name_width + 1,
                         spark(r.result.syncs, end_ms, width, depth, top), top);
    }
  }
  out << fmt::format("{:<{}}0{:>{}}\n", "", 9 + name_width + 2, dur(end_ms), width);
}

void write_tune(std::ostream& out, const NamedRun& current, const TuneReport& tune) {
  out << fmt::format("\ntune: {} candidates, p99 wait <= {}\n", tune.result.candidates, dur(tune.max_wait_ms));
  if (!tune.result.best) {
    out << "no candidate keeps the p99 wait within the limit: widen --max-replicas or --average-value\n";
    return;
  }
  const Candidate& b = *tune.result.best;
  write_columns(out, {current.profile, current.profile + "-tuned"},
                {summary_cells(current.result.summary, true), summary_cells(tune.result.summary, true)});
  out << fmt::format("\n# minReplicas {}, maxReplicas {}, averageValue {}, behavior: {}\n", b.min_replicas,
                     b.max_replicas, b.average_value, b.shape);
  out << profile_snippet(b, current.profile);
}

} // namespace graflow::simulate
