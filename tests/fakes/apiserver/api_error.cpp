#include "api_error.hpp"

#include "resources.hpp"

#include <cstdio>

namespace fake {

using nlohmann::json;

ApiError::ApiError(int code, const std::string& reason, const std::string& message, json details)
    : std::runtime_error(message), code_(code) {
  status_ = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
             {"status", "Failure"}, {"message", message}, {"reason", reason},
             {"code", code}};
  if (!details.is_null()) {
    status_["details"] = std::move(details);
  }
}

FieldError field_required(const std::string& field, const std::string& detail) {
  return {"FieldValueRequired", field, detail.empty() ? "Required value" : "Required value: " + detail};
}

FieldError field_invalid(const std::string& field, const std::string& value, const std::string& detail) {
  return {"FieldValueInvalid", field, "Invalid value: " + value + ": " + detail};
}

FieldError field_forbidden(const std::string& field, const std::string& detail) {
  return {"FieldValueForbidden", field, "Forbidden: " + detail};
}

FieldError field_not_supported(const std::string& field, const std::string& value,
                               const std::vector<std::string>& supported) {
  std::string list;
  for (const auto& s : supported) {
    list += (list.empty() ? "" : ", ") + go_quote(s);
  }
  return {"FieldValueNotSupported", field, "Unsupported value: " + value + ": supported values: " + list};
}

std::string go_quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string go_value(const json& value) {
  if (value.is_string()) {
    return go_quote(value.get<std::string>());
  }
  if (value.is_null()) {
    return "null";
  }
  if (value.is_object()) {
    std::string out = "map[string]string{";
    bool first = true;
    for (const auto& [k, v] : value.items()) {
      out += (first ? "" : ", ") + go_quote(k) + ":" + (v.is_string() ? go_quote(v.get<std::string>()) : v.dump());
      first = false;
    }
    return out + "}";
  }
  return value.dump();
}

json status_success(const json& details) {
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Success"},
          {"details", details}};
}

static json object_details(const ResourceInfo& res, const std::string& name) {
  json details = {{"name", name}, {"kind", res.plural}};
  if (!res.group.empty()) {
    details["group"] = res.group;
  }
  return details;
}

ApiError not_found(const ResourceInfo& res, const std::string& name) {
  return {404, "NotFound", res.group_resource() + " " + go_quote(name) + " not found", object_details(res, name)};
}

ApiError already_exists(const ResourceInfo& res, const std::string& name) {
  return {409, "AlreadyExists", res.group_resource() + " " + go_quote(name) + " already exists",
          object_details(res, name)};
}

ApiError conflict(const ResourceInfo& res, const std::string& name, const std::string& cause) {
  return {409, "Conflict",
          "Operation cannot be fulfilled on " + res.group_resource() + " " + go_quote(name) + ": " + cause,
          object_details(res, name)};
}

ApiError conflict_modified(const ResourceInfo& res, const std::string& name) {
  return conflict(res, name,
                  "the object has been modified; please apply your changes to the latest version and try again");
}

ApiError precondition_failed(const ResourceInfo& res, const std::string& ns, const std::string& name,
                             const std::string& detail) {
  return conflict(res, name,
                  "StorageError: invalid object, Code: 4, Key: " + res.storage_key(ns, name) +
                      ", ResourceVersion: 0, AdditionalErrorMsg: " + detail);
}

ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::vector<FieldError>& errors) {
  json causes = json::array();
  std::string aggregate;
  for (const auto& e : errors) {
    causes.push_back({{"reason", e.reason}, {"message", e.body}, {"field", e.field}});
    aggregate += (aggregate.empty() ? "" : ", ") + e.field + ": " + e.body;
  }
  if (errors.size() > 1) {
    aggregate = "[" + aggregate + "]";
  }
  const std::string qualified = group.empty() ? kind : kind + "." + group;
  json details = {{"name", name}, {"kind", kind}, {"causes", causes}};
  if (!group.empty()) {
    details["group"] = group;
  }
  return {422, "Invalid", qualified + " " + go_quote(name) + " is invalid: " + aggregate, details};
}

ApiError invalid(const ResourceInfo& res, const std::string& name, const std::vector<FieldError>& errors) {
  return invalid(res.group, res.kind, name, errors);
}

ApiError bad_request(const std::string& message) { return {400, "BadRequest", message}; }

ApiError method_not_allowed() {
  return {405, "MethodNotAllowed", "the server does not allow this method on the requested resource", json::object()};
}

ApiError unsupported_media_type(const std::vector<std::string>& accepted) {
  std::string list;
  for (const auto& a : accepted) {
    list += (list.empty() ? "" : ", ") + a;
  }
  return {415, "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: " + list};
}

ApiError unauthorized() { return {401, "Unauthorized", "Unauthorized"}; }

ApiError path_not_found() {
  return {404, "NotFound", "the server could not find the requested resource", json::object()};
}

ApiError service_unavailable(const std::string& message) { return {503, "ServiceUnavailable", message}; }

ApiError internal_error(const std::string& message) {
  return {
      500, "InternalError", "Internal error occurred: " + message, {{"causes", json::array({{{"message", message}}})}}};
}

} // namespace fake
