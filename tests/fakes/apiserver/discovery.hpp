#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fake {

// What discovery depends on besides the fixed resource table.
struct DiscoveryState {
  bool external_metrics = false;         // the external metrics APIService is registered
  std::vector<std::string> metric_names; // external metrics with values
};

// The document served at a discovery path (/version, /api, /api/v1, /apis, /apis/G, /apis/G/V,
// /openapi/v3, /openapi/v3/...), or nullopt when `path` is not one. Unknown group versions
// throw ApiError 404.
std::optional<nlohmann::json> discovery_document(const std::string& path, const DiscoveryState& state);

} // namespace fake
