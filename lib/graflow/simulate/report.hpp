#pragma once
// What `simulate` prints: the §9 JSON document, the summary table, the terminal chart.
#include "graflow/simulate/model.hpp"
#include "graflow/simulate/tune.hpp"

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace graflow::simulate {

struct NamedRun {
  std::string profile;
  RunResult result;
};

struct TuneReport {
  std::int64_t max_wait_ms = 0;
  TuneResult result;
};

// A millisecond count as JSON seconds: a whole number when it is one.
nlohmann::ordered_json seconds_json(std::int64_t ms);

nlohmann::ordered_json summary_json(const Summary& s);

// {"runs": [...], "tune": {...}} exactly as DESIGN.md §9 documents it.
nlohmann::ordered_json report_json(const std::vector<NamedRun>& runs, const std::optional<TuneReport>& tune);

// The summary of every run side by side, kubectl-style columns.
void write_summary_table(std::ostream& out, const std::vector<NamedRun>& runs);

// Depth and replicas over time as rows of Unicode block characters, `width` columns wide.
void write_chart(std::ostream& out, const std::vector<NamedRun>& runs, std::int64_t end_ms, int width);

// The tuned candidate beside the current profile, and the profile snippet to paste.
void write_tune(std::ostream& out, const NamedRun& current, const TuneReport& tune);

} // namespace graflow::simulate
