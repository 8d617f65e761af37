#include "graflow/kube/paths.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/text.hpp"

#include <array>
#include <fmt/format.h>

namespace graflow::kube {
namespace {

struct KnownKind {
  std::string_view kind;
  std::string_view plural;
  bool namespaced;
};

constexpr std::array<KnownKind, 8> k_kinds = {{
    {"Deployment", "deployments", true},
    {"HorizontalPodAutoscaler", "horizontalpodautoscalers", true},
    {"Service", "services", true},
    {"ServiceMonitor", "servicemonitors", true},
    {"APIService", "apiservices", false},
    {"Namespace", "namespaces", false},
    {"ConfigMap", "configmaps", true},
    {"ServiceAccount", "serviceaccounts", true},
}};

// A path segment: RFC 3986 unreserved characters and ':' (as in system:serviceaccount names)
// stay, everything else is percent-encoded.
std::string escape_segment(std::string_view s) { return text::url_encode(s, ":"); }

} // namespace

std::optional<KindInfo> kind_info(std::string_view kind) {
  for (const auto& k : k_kinds) {
    if (k.kind == kind) {
      return KindInfo{std::string(k.plural), k.namespaced};
    }
  }
  return std::nullopt;
}

std::string api_prefix(std::string_view api_version) {
  if (api_version.find('/') == std::string_view::npos) {
    return fmt::format("/api/{}", api_version);
  }
  return fmt::format("/apis/{}", api_version);
}

std::string resource_path(std::string_view api_version, std::string_view plural, std::string_view namespace_,
                          std::string_view name, std::string_view subresource) {
  std::string path = api_prefix(api_version);
  if (!namespace_.empty()) {
    path += "/namespaces/" + escape_segment(namespace_);
  }
  path += "/" + std::string(plural);
  if (!name.empty()) {
    path += "/" + escape_segment(name);
    if (!subresource.empty()) {
      path += "/" + std::string(subresource);
    }
  }
  return path;
}

std::string object_path(const nlohmann::json& object, std::string_view default_namespace) {
  const auto field = [&](const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!object.is_object()) {
    throw usage_error("a manifest object must be a map");
  }
  const std::string api_version = field(object, "apiVersion");
  const std::string kind = field(object, "kind");
  const nlohmann::json metadata = object.value("metadata", nlohmann::json::object());
  const std::string name = metadata.is_object() ? field(metadata, "name") : "";
  if (api_version.empty() || kind.empty() || name.empty()) {
    throw usage_error(fmt::format("manifest object {} \"{}\" lacks apiVersion, kind or metadata.name",
                                  kind.empty() ? "(no kind)" : kind, name));
  }
  const auto info = kind_info(kind);
  if (!info) {
    throw usage_error(fmt::format("graflowctl does not know the resource of kind {} ({})", kind, api_version));
  }
  std::string ns;
  if (info->namespaced) {
    ns = metadata.is_object() ? field(metadata, "namespace") : "";
    if (ns.empty()) {
      ns = default_namespace;
    }
  }
  return resource_path(api_version, info->plural, ns, name);
}

std::string resource_name(std::string_view api_version, std::string_view plural) {
  const auto slash = api_version.find('/');
  if (slash == std::string_view::npos) {
    return std::string(plural);
  }
  return fmt::format("{}.{}", plural, api_version.substr(0, slash));
}

} // namespace graflow::kube
