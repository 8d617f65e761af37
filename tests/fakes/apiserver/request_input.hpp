#pragma once

// Reading a write request: query options, bodies, identity checks and non-apply patches.

#include "api.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace fake {

constexpr const char* apply_type = "application/apply-patch+yaml";
constexpr const char* merge_type = "application/merge-patch+json";
constexpr const char* strategic_type = "application/strategic-merge-patch+json";
constexpr const char* json_patch_type = "application/json-patch+json";

// The query options every write shares.
struct WriteOptions {
  bool dry_run = false;
  bool force = false;
  std::string manager;
};

// The Content-Type's media type, lower case, without parameters.
std::string media_type(const httplib::Request& req);

// Validates the query options like ValidateCreate/Update/Patch/DeleteOptions do (422
// Invalid on the options kind); `dry_run` adds values from a DeleteOptions body. A missing
// fieldManager defaults to the user agent's product name, as in the apiserver.
WriteOptions write_options(const httplib::Request& req, const std::string& options_kind, bool apply,
                           std::vector<std::string> dry_run = {});

// The JSON or YAML body of a create or update; 415 for other media types, 400 if malformed.
nlohmann::json parse_body(const Call& call);

// 400 when the body's apiVersion, kind or namespace contradict the request.
void check_identity(const Call& call, const nlohmann::json& obj, const std::string& kind,
                    const std::string& api_version);

// 400 when metadata.name is not the name in the URL.
void check_name(const Call& call, const nlohmann::json& obj);

// Applies a merge, strategic merge (treated as merge) or JSON patch to `base`.
nlohmann::json apply_patch(const std::string& type, const nlohmann::json& base, const std::string& body);

} // namespace fake
