#pragma once
// `simulate --from-prometheus`: the recorded graflow_queue_depth of one key prefix, read
// with one query_range, as a depth trace.
#include "graflow/net/http.hpp"
#include "graflow/simulate/traces.hpp"

#include <chrono>
#include <string>

namespace graflow::simulate {

struct RangeQuery {
  std::string base_url;   // http://prometheus:9090 (a path prefix is kept)
  std::string key_prefix; // the profile's
  std::string start;      // RFC 3339 or Unix seconds, passed to Prometheus as given
  std::string end;
  std::chrono::milliseconds step{15'000};
  std::chrono::milliseconds timeout{30'000};
};

// The query, URL-encoded: /api/v1/query_range?query=...&start=...&end=...&step=...
std::string range_query_url(const RangeQuery& q);

// Sends the query and turns the answer into a depth trace (the sum over series, shifted to
// t = 0). A failure Error when Prometheus cannot be reached or answers an error; a usage
// Error when it has no samples for the prefix in that range.
Trace fetch_depth(net::HttpClient& client, const RangeQuery& q);

// The trace in a query_range answer (`body` is the JSON); `what` names the source in errors.
Trace parse_range_answer(const std::string& body, const std::string& what);

} // namespace graflow::simulate
