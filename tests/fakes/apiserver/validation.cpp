#include "validation.hpp"

#include "api_error.hpp"
#include "labels.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace fake {

using nlohmann::json;

namespace {

using Errors = std::vector<FieldError>;

const char* const subdomain_msg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* const dns1035_msg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

// The decoder's complaint about a field of the wrong type.
[[noreturn]] void wrong_type(const ResourceInfo& res, const std::string& go_struct, const std::string& field,
                             const json& value, const std::string& go_type) {
  const std::string got = value.is_string()    ? "string"
                          : value.is_boolean() ? "bool"
                          : value.is_number()  ? "number"
                          : value.is_array()   ? "array"
                                               : "object";
  throw bad_request(res.kind + " in version " + go_quote(res.version) + " cannot be handled as a " + res.kind +
                    ": json: cannot unmarshal " + got + " into Go struct field " + go_struct + "." + field +
                    " of type " + go_type);
}

// Reads an optional int32 field, rejecting other types like the decoder does.
std::optional<long long> int_field(const ResourceInfo& res, const json& parent, const char* key,
                                   const std::string& go_struct, const std::string& field) {
  if (!parent.is_object() || !parent.contains(key) || parent[key].is_null()) {
    return std::nullopt;
  }
  const json& v = parent[key];
  if (!v.is_number_integer()) {
    wrong_type(res, go_struct, field, v, "int32");
  }
  return v.get<long long>();
}

const std::regex& quantity_re() {
  static const std::regex re(R"(^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?[0-9]+)?$)");
  return re;
}

// Validates a resource.Quantity, returning whether it is > 0.
bool positive_quantity(const ResourceInfo& res, const json& q) {
  const std::string text = q.is_string() ? q.get<std::string>() : q.dump();
  if (!std::regex_match(text, quantity_re())) {
    throw bad_request(res.kind + " in version " + go_quote(res.version) + " cannot be handled as a " + res.kind +
                      ": quantities must match the regular expression "
                      "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  }
  return std::stod(text) > 0;
}

void validate_name(const ResourceInfo& res, const json& metadata, Errors& errs) {
  const std::string name = metadata.value("name", "");
  if (name.empty()) {
    errs.push_back(field_required("metadata.name", "name or generateName is required"));
    return;
  }
  if (res.plural == "services") {
    static const std::regex label_re("[a-z]([-a-z0-9]*[a-z0-9])?");
    if (name.size() > 63) {
      errs.push_back(field_invalid("metadata.name", go_quote(name), "must be no more than 63 characters"));
    }
    if (!std::regex_match(name, label_re)) {
      errs.push_back(field_invalid("metadata.name", go_quote(name), dns1035_msg));
    }
    return;
  }
  static const std::regex subdomain_re(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
  if (name.size() > 253) {
    errs.push_back(field_invalid("metadata.name", go_quote(name), "must be no more than 253 characters"));
  }
  if (!std::regex_match(name, subdomain_re)) {
    errs.push_back(field_invalid("metadata.name", go_quote(name), subdomain_msg));
  }
}

void validate_deployment(const ResourceInfo& res, const json& obj, Errors& errs) {
  const json spec = obj.value("spec", json::object());
  if (auto replicas = int_field(res, spec, "replicas", "DeploymentSpec", "spec.replicas"); replicas && *replicas < 0) {
    errs.push_back(field_invalid("spec.replicas", std::to_string(*replicas), "must be greater than or equal to 0"));
  }
  const json selector = spec.value("selector", json());
  if (!selector.is_object()) {
    errs.push_back(field_required("spec.selector"));
  } else if (selector.value("matchLabels", json::object()).empty() &&
             selector.value("matchExpressions", json::array()).empty()) {
    errs.push_back(field_invalid("spec.selector", "{}", "empty selector is invalid for deployment"));
  } else {
    const json labels =
        spec.value("template", json::object()).value("metadata", json::object()).value("labels", json::object());
    if (!LabelSelector::from_object(selector).matches(labels)) {
      errs.push_back(field_invalid("spec.template.metadata.labels", go_value(labels),
                                   "`selector` does not match template `labels`"));
    }
  }
  const json pod = spec.value("template", json::object()).value("spec", json::object());
  const json containers = pod.value("containers", json::array());
  if (!containers.is_array() || containers.empty()) {
    errs.push_back(field_required("spec.template.spec.containers"));
    return;
  }
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const std::string base = "spec.template.spec.containers[" + std::to_string(i) + "]";
    if (containers[i].value("name", "").empty()) {
      errs.push_back(field_required(base + ".name"));
    }
    if (containers[i].value("image", "").empty()) {
      errs.push_back(field_required(base + ".image"));
    }
  }
}

void validate_metric_target(const ResourceInfo& res, const json& target, const std::string& path, Errors& errs) {
  const std::string type = target.value("type", "");
  if (type.empty()) {
    errs.push_back(field_required(path + ".type", "must specify a metric target type"));
  } else if (type != "Utilization" && type != "Value" && type != "AverageValue") {
    errs.push_back(field_not_supported(path + ".type", go_quote(type), {"AverageValue", "Utilization", "Value"}));
  }
  const bool has_value = target.contains("value");
  const bool has_average = target.contains("averageValue");
  if (!has_value && !has_average) {
    errs.push_back(
        field_required(path + ".averageValue", "must set either a target value for metric or a per-pod target"));
  }
  if (has_value && has_average) {
    errs.push_back(field_forbidden(path + ".value", "may not set both a target value for metric and a per-pod target"));
  }
  for (const char* key : {"value", "averageValue"}) {
    if (target.contains(key) && !positive_quantity(res, target[key])) {
      errs.push_back(field_invalid(path + "." + key, go_value(target[key]), "must be positive"));
    }
  }
}

void validate_hpa(const ResourceInfo& res, const json& obj, Errors& errs) {
  const json spec = obj.value("spec", json::object());
  const json ref = spec.value("scaleTargetRef", json::object());
  if (ref.value("kind", "").empty()) {
    errs.push_back(field_required("spec.scaleTargetRef.kind"));
  }
  if (ref.value("name", "").empty()) {
    errs.push_back(field_required("spec.scaleTargetRef.name"));
  }
  const auto min = int_field(res, spec, "minReplicas", "HorizontalPodAutoscalerSpec", "spec.minReplicas");
  const auto max = int_field(res, spec, "maxReplicas", "HorizontalPodAutoscalerSpec", "spec.maxReplicas").value_or(0);
  if (min && *min < 1) {
    errs.push_back(field_invalid("spec.minReplicas", std::to_string(*min), "must be greater than or equal to 1"));
  }
  if (max < 1) {
    errs.push_back(field_invalid("spec.maxReplicas", std::to_string(max), "must be greater than 0"));
  }
  if (min && max >= 1 && *min > max) {
    errs.push_back(
        field_invalid("spec.maxReplicas", std::to_string(max), "must be greater than or equal to `minReplicas`"));
  }
  const json metrics = spec.value("metrics", json::array());
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const std::string base = "spec.metrics[" + std::to_string(i) + "]";
    const std::string type = metrics[i].value("type", "");
    static const std::vector<std::string> types = {"ContainerResource", "External", "Object", "Pods", "Resource"};
    if (type.empty()) {
      errs.push_back(field_required(base + ".type", "must specify a metric source type"));
      continue;
    }
    if (std::find(types.begin(), types.end(), type) == types.end()) {
      errs.push_back(field_not_supported(base + ".type", go_quote(type), types));
      continue;
    }
    std::string key = type;
    key[0] = static_cast<char>(std::tolower(key[0]));
    if (type == "ContainerResource") {
      key = "containerResource";
    }
    if (!metrics[i].contains(key) || !metrics[i][key].is_object()) {
      errs.push_back(field_required(base + "." + key, "must populate information for the given metric source"));
      continue;
    }
    const json& src = metrics[i][key];
    if (type == "External" || type == "Pods" || type == "Object") {
      if (src.value("metric", json::object()).value("name", "").empty()) {
        errs.push_back(field_required(base + "." + key + ".metric.name", "must specify a metric name"));
      }
    } else if (src.value("name", "").empty()) {
      errs.push_back(field_required(base + "." + key + ".name", "must specify a resource name"));
    }
    if (!src.contains("target") || !src["target"].is_object()) {
      errs.push_back(field_required(base + "." + key + ".target", "must specify a metric target"));
    } else if (type == "External" || type == "Object") {
      validate_metric_target(res, src["target"], base + "." + key + ".target", errs);
    }
  }
}

void validate_service(const ResourceInfo& res, const json& obj, Errors& errs) {
  const json spec = obj.value("spec", json::object());
  const json ports = spec.value("ports", json::array());
  const bool headless = spec.value("clusterIP", "") == "None";
  if (ports.empty() && !headless && spec.value("type", "ClusterIP") != "ExternalName") {
    errs.push_back(field_required("spec.ports"));
  }
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const std::string base = "spec.ports[" + std::to_string(i) + "]";
    const auto port = int_field(res, ports[i], "port", "ServicePort", base + ".port").value_or(0);
    if (port < 1 || port > 65535) {
      errs.push_back(field_invalid(base + ".port", std::to_string(port), "must be between 1 and 65535, inclusive"));
    }
  }
}

} // namespace

void apply_defaults(const ResourceInfo& res, json& obj, const json* old) {
  if (obj.contains("spec") && !obj["spec"].is_object() && !obj["spec"].is_null()) {
    throw bad_request(res.kind + " in version " + go_quote(res.version) + " cannot be handled as a " + res.kind +
                      ": json: cannot unmarshal " + std::string(obj["spec"].type_name()) + " into Go struct field " +
                      res.kind + ".spec of type object");
  }
  json& spec = obj["spec"];
  if (res.plural == "deployments") {
    if (!spec.contains("replicas") || spec["replicas"].is_null()) {
      spec["replicas"] = 1;
    }
    if (!spec.contains("strategy")) {
      spec["strategy"] = {{"type", "RollingUpdate"},
                          {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}};
    }
    if (!spec.contains("revisionHistoryLimit")) {
      spec["revisionHistoryLimit"] = 10;
    }
    if (!spec.contains("progressDeadlineSeconds")) {
      spec["progressDeadlineSeconds"] = 600;
    }
    json& pod = spec["template"]["spec"];
    const json pod_defaults = {{"restartPolicy", "Always"},
                               {"terminationGracePeriodSeconds", 30},
                               {"dnsPolicy", "ClusterFirst"},
                               {"schedulerName", "default-scheduler"},
                               {"securityContext", json::object()}};
    for (const auto& [k, v] : pod_defaults.items()) {
      if (!pod.contains(k)) {
        pod[k] = v;
      }
    }
    if (pod.contains("containers") && pod["containers"].is_array()) {
      for (auto& c : pod["containers"]) {
        if (!c.is_object()) {
          continue;
        }
        if (!c.contains("imagePullPolicy")) {
          const std::string image = c.value("image", "");
          const bool latest = image.find(':') == std::string::npos || image.ends_with(":latest");
          c["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
        }
        if (!c.contains("terminationMessagePath")) {
          c["terminationMessagePath"] = "/dev/termination-log";
        }
        if (!c.contains("terminationMessagePolicy")) {
          c["terminationMessagePolicy"] = "File";
        }
      }
    }
  } else if (res.plural == "horizontalpodautoscalers") {
    if (!spec.contains("minReplicas") || spec["minReplicas"].is_null()) {
      spec["minReplicas"] = 1;
    }
    if (!spec.contains("metrics") || spec["metrics"].empty()) {
      spec["metrics"] = json::array(
          {{{"type", "Resource"},
            {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 80}}}}}}});
    }
    for (auto& m : spec["metrics"]) {
      for (const char* src : {"external", "object", "pods", "resource", "containerResource"}) {
        if (m.is_object() && m.contains(src) && m[src].contains("target")) {
          for (const char* key : {"value", "averageValue"}) {
            if (m[src]["target"].contains(key) && m[src]["target"][key].is_number()) {
              m[src]["target"][key] = m[src]["target"][key].dump();
            }
          }
        }
      }
    }
    if (spec.contains("behavior") && spec["behavior"].is_object()) {
      json& up = spec["behavior"]["scaleUp"];
      if (!up.contains("stabilizationWindowSeconds")) {
        up["stabilizationWindowSeconds"] = 0;
      }
      if (!up.contains("selectPolicy")) {
        up["selectPolicy"] = "Max";
      }
      if (!up.contains("policies")) {
        up["policies"] = json::array({{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 15}},
                                      {{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}});
      }
      json& down = spec["behavior"]["scaleDown"];
      if (!down.contains("selectPolicy")) {
        down["selectPolicy"] = "Max";
      }
      if (!down.contains("policies")) {
        down["policies"] = json::array({{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}});
      }
    }
  } else if (res.plural == "services") {
    if (!spec.contains("type")) {
      spec["type"] = "ClusterIP";
    }
    if (!spec.contains("sessionAffinity")) {
      spec["sessionAffinity"] = "None";
    }
    if (spec["type"] != "ExternalName" && !spec.contains("clusterIP")) {
      if (old != nullptr && old->contains("spec") && (*old)["spec"].contains("clusterIP")) {
        spec["clusterIP"] = (*old)["spec"]["clusterIP"];
      } else {
        const auto h =
            std::hash<std::string>{}(obj["metadata"].value("namespace", "") + "/" + obj["metadata"].value("name", ""));
        spec["clusterIP"] = "10.96." + std::to_string((h >> 8) % 256) + "." + std::to_string(h % 254 + 1);
      }
    }
    if (spec.contains("clusterIP") && !spec.contains("clusterIPs")) {
      spec["clusterIPs"] = json::array({spec["clusterIP"]});
    }
    const json service_defaults = {
        {"ipFamilies", json::array({"IPv4"})}, {"ipFamilyPolicy", "SingleStack"}, {"internalTrafficPolicy", "Cluster"}};
    for (const auto& [k, v] : service_defaults.items()) {
      if (!spec.contains(k)) {
        spec[k] = v;
      }
    }
    if (spec.contains("ports") && spec["ports"].is_array()) {
      for (auto& p : spec["ports"]) {
        if (p.is_object() && !p.contains("protocol")) {
          p["protocol"] = "TCP";
        }
        if (p.is_object() && !p.contains("targetPort") && p.contains("port")) {
          p["targetPort"] = p["port"];
        }
      }
    }
    if (!obj.contains("status")) {
      obj["status"] = {{"loadBalancer", json::object()}};
    }
  }
  if (spec.is_null()) {
    obj.erase("spec");
  }
}

void validate_object(const ResourceInfo& res, const json& obj) {
  Errors errs;
  const json metadata = obj.value("metadata", json::object());
  validate_name(res, metadata, errs);
  if (res.plural == "deployments") {
    validate_deployment(res, obj, errs);
  } else if (res.plural == "horizontalpodautoscalers") {
    validate_hpa(res, obj, errs);
  } else if (res.plural == "services") {
    validate_service(res, obj, errs);
  }
  if (!errs.empty()) {
    throw invalid(res, metadata.value("name", ""), errs);
  }
}

} // namespace fake
