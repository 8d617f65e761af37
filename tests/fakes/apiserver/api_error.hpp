#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace fake {

struct ResourceInfo;

// A failed API call, carried as the Kubernetes Status body that is sent back.
class ApiError : public std::runtime_error {
public:
  ApiError(int code, const std::string& reason, const std::string& message, nlohmann::json details = nullptr);

  int code() const { return code_; }
  const nlohmann::json& status() const { return status_; }

private:
  int code_;
  nlohmann::json status_;
};

// One entry of a field.ErrorList, rendered the way apimachinery renders it.
struct FieldError {
  std::string reason; // FieldValueRequired, FieldValueInvalid, ...
  std::string field;  // spec.maxReplicas
  std::string body;   // Invalid value: 0: must be greater than 0
};

FieldError field_required(const std::string& field, const std::string& detail = "");
// `value` is already formatted like Go's %v/%q (see go_value).
FieldError field_invalid(const std::string& field, const std::string& value, const std::string& detail);
FieldError field_forbidden(const std::string& field, const std::string& detail);
FieldError field_not_supported(const std::string& field, const std::string& value,
                               const std::vector<std::string>& supported);

// Formats a JSON value as apimachinery prints a bad value: numbers bare, strings quoted,
// string maps as map[string]string{"k":"v"}.
std::string go_value(const nlohmann::json& value);
std::string go_quote(const std::string& text);

nlohmann::json status_success(const nlohmann::json& details);

ApiError not_found(const ResourceInfo& res, const std::string& name);
ApiError already_exists(const ResourceInfo& res, const std::string& name);
ApiError conflict(const ResourceInfo& res, const std::string& name, const std::string& cause);
ApiError conflict_modified(const ResourceInfo& res, const std::string& name);
// A failed delete precondition, worded like the etcd storage layer words it.
ApiError precondition_failed(const ResourceInfo& res, const std::string& ns, const std::string& name,
                             const std::string& detail);
ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::vector<FieldError>& errors);
ApiError invalid(const ResourceInfo& res, const std::string& name, const std::vector<FieldError>& errors);
ApiError bad_request(const std::string& message);
ApiError method_not_allowed();
ApiError unsupported_media_type(const std::vector<std::string>& accepted);
ApiError unauthorized();
ApiError path_not_found();
ApiError service_unavailable(const std::string& message);
ApiError internal_error(const std::string& message);

} // namespace fake
