#include "request_input.hpp"

#include "yaml_json.hpp"

#include <algorithm>
#include <cctype>

namespace fake {

using nlohmann::json;

namespace {

std::vector<std::string> param_values(const httplib::Request& req, const char* key) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < req.get_param_value_count(key); ++i) {
    out.push_back(req.get_param_value(key, i));
  }
  return out;
}

} // namespace

std::string media_type(const httplib::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  ct = ct.substr(0, ct.find(';'));
  ct.erase(std::remove_if(ct.begin(), ct.end(), [](unsigned char c) { return std::isspace(c); }), ct.end());
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return std::tolower(c); });
  return ct;
}

WriteOptions write_options(const httplib::Request& req, const std::string& options_kind, bool apply,
                           std::vector<std::string> dry_run) {
  std::vector<FieldError> errs;
  WriteOptions opts;
  opts.manager = req.get_param_value("fieldManager");
  if (options_kind == "PatchOptions") {
    if (!apply && req.has_param("force")) {
      errs.push_back(field_forbidden("force", "may not be specified for non-apply patch"));
    }
    if (apply && opts.manager.empty()) {
      errs.push_back(field_required("fieldManager", "is required for apply patch"));
    }
  }
  if (opts.manager.size() > 128) {
    errs.push_back({"FieldValueTooLong", "fieldManager", "Too long: may not be more than 128 bytes"});
  }
  for (const auto& v : param_values(req, "dryRun")) {
    dry_run.push_back(v);
  }
  if (std::any_of(dry_run.begin(), dry_run.end(), [](const auto& v) { return v != "All"; })) {
    std::string list;
    for (const auto& v : dry_run) {
      list += (list.empty() ? "" : ", ") + go_quote(v);
    }
    errs.push_back(field_not_supported("dryRun", "[]string{" + list + "}", {"All"}));
  }
  const std::string validation = req.get_param_value("fieldValidation");
  if (!validation.empty() && validation != "Ignore" && validation != "Warn" && validation != "Strict") {
    errs.push_back(field_not_supported("fieldValidation", go_quote(validation), {"", "Ignore", "Strict", "Warn"}));
  }
  if (!errs.empty()) {
    throw invalid("meta.k8s.io", options_kind, "", errs);
  }
  opts.dry_run = !dry_run.empty();
  opts.force = req.get_param_value("force") == "true";
  if (opts.manager.empty()) {
    // Like the apiserver: the user agent's product name stands in for a missing manager.
    const std::string agent = req.get_header_value("User-Agent");
    opts.manager = agent.substr(0, std::min<std::size_t>(agent.find('/'), 128));
    if (opts.manager.empty()) {
      opts.manager = "unknown";
    }
  }
  return opts;
}

json parse_body(const Call& call) {
  const std::string mt = media_type(call.http);
  json body;
  if (mt.empty() || mt == "application/json") {
    try {
      body = json::parse(call.http.body);
    } catch (const json::parse_error& e) {
      throw bad_request("the object provided is unrecognized (must be of type " + call.res.kind +
                        "): couldn't get version/kind; json parse error: " + e.what());
    }
  } else if (mt == "application/yaml") {
    try {
      body = yaml_to_json(call.http.body);
    } catch (const std::exception& e) {
      throw bad_request(std::string("error decoding YAML: ") + e.what());
    }
  } else {
    throw unsupported_media_type({"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"});
  }
  if (!body.is_object()) {
    throw bad_request("the object provided is unrecognized (must be of type " + call.res.kind + ")");
  }
  if (!body.contains("metadata") || !body["metadata"].is_object()) {
    body["metadata"] = json::object();
  }
  return body;
}

void check_identity(const Call& call, const json& obj, const std::string& kind, const std::string& api_version) {
  if (obj.contains("apiVersion") && obj["apiVersion"] != api_version) {
    throw bad_request("the API version in the data (" + obj.value("apiVersion", "") +
                      ") does not match the expected API version (" + api_version + ")");
  }
  if (obj.contains("kind") && obj["kind"] != kind) {
    throw bad_request("the object provided is unrecognized (must be of type " + kind + "): " + obj.value("kind", "") +
                      " is not " + kind);
  }
  const json& meta = obj["metadata"];
  if (call.res.namespaced && meta.contains("namespace") && meta["namespace"] != "" && meta["namespace"] != call.ns) {
    throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
  }
}

void check_name(const Call& call, const json& obj) {
  const std::string name = obj["metadata"].value("name", "");
  if (name != call.name) {
    throw bad_request("the name of the object (" + name + ") does not match the name on the URL (" + call.name + ")");
  }
}

json apply_patch(const std::string& type, const json& base, const std::string& body) {
  json patch;
  try {
    patch = json::parse(body);
  } catch (const json::parse_error& e) {
    throw bad_request(std::string("error decoding patch: ") + e.what());
  }
  if (type == json_patch_type) {
    if (!patch.is_array()) {
      throw bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    }
    try {
      return base.patch(patch);
    } catch (const json::exception& e) {
      throw ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                     {{"causes", json::array({{{"reason", "UnexpectedServerResponse"}, {"message", e.what()}}})}});
    }
  }
  if (!patch.is_object()) {
    throw bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}");
  }
  json out = base;
  out.merge_patch(patch);
  return out;
}

} // namespace fake
