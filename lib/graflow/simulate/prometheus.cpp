#include "graflow/simulate/prometheus.hpp"

#include "graflow/core/error.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

namespace graflow::simulate {
namespace {

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// PromQL's string literal: backslash and double quote escaped.
std::string promql_string(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

} // namespace

std::string range_query_url(const RangeQuery& q) {
  std::string base = q.base_url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  const std::string promql = fmt::format("sum(graflow_queue_depth{{key_prefix=\"{}\"}})", promql_string(q.key_prefix));
  return fmt::format("{}/api/v1/query_range?query={}&start={}&end={}&step={}", base, url_encode(promql),
                     url_encode(q.start), url_encode(q.end), fmt::format("{}ms", q.step.count()));
}

Trace parse_range_answer(const std::string& body, const std::string& what) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw failure(fmt::format("{} answered something that is not JSON", what));
  }
  if (doc.value("status", "") != "success") {
    throw failure(fmt::format("{} answered an error: {}", what, doc.value("error", std::string("(no message)"))));
  }
  const auto& data = doc["data"];
  if (!data.is_object() || data.value("resultType", "") != "matrix" || !data["result"].is_array()) {
    throw failure(fmt::format("{} answered something that is not a range query result", what));
  }
  std::map<std::int64_t, double> sum; // ms since the epoch -> depth
  for (const auto& series : data["result"]) {
    if (!series.is_object() || !series["values"].is_array()) {
      continue;
    }
    for (const auto& v : series["values"]) {
      if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_string()) {
        throw failure(fmt::format("{} answered a sample that is not [time, \"value\"]", what));
      }
      const std::string text = v[1].get<std::string>();
      double value = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc{} || p != text.data() + text.size() || !std::isfinite(value) || value < 0) {
        continue; // NaN, Inf and garbage are gaps, as in a graph
      }
      sum[std::llround(v[0].get<double>() * 1000.0)] += value;
    }
  }
  if (sum.empty()) {
    throw usage_error(fmt::format("{} has no graflow_queue_depth samples in that range", what));
  }
  Trace trace;
  trace.kind = TraceKind::depth;
  const std::int64_t first = sum.begin()->first;
  for (const auto& [t, v] : sum) {
    trace.points.push_back({t - first, std::llround(v)});
  }
  return trace;
}

Trace fetch_depth(net::HttpClient& client, const RangeQuery& q) {
  net::HttpRequest req;
  req.url = range_query_url(q);
  req.timeout = q.timeout;
  const std::string what = fmt::format("Prometheus at {}", q.base_url);
  net::HttpResponse resp;
  try {
    resp = client.send(req);
  } catch (const Error& e) {
    throw failure(fmt::format("cannot query {}: {}", what, e.what()));
  }
  if (resp.status == 400 || resp.status == 422) {
    // Prometheus's own words about a bad --start/--end/--step
    const auto doc = nlohmann::json::parse(resp.body, nullptr, false);
    const std::string msg = doc.is_object() ? doc.value("error", std::string("bad request")) : "bad request";
    throw usage_error(fmt::format("{} rejected the query: {}", what, msg.substr(0, 200)));
  }
  if (resp.status != 200) {
    throw failure(fmt::format("{} answered HTTP {}", what, resp.status));
  }
  return parse_range_answer(resp.body, what);
}

} // namespace graflow::simulate
