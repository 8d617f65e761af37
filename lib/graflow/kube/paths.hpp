#pragma once
// REST paths of the resources graflowctl manages.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace graflow::kube {

struct KindInfo {
  std::string plural;   // deployments
  bool namespaced = true;
};

// The kinds `render` produces, and a few more graflowctl touches: Deployment,
// HorizontalPodAutoscaler, Service, ServiceMonitor, APIService (cluster-scoped), Namespace
// (cluster-scoped), ConfigMap, ServiceAccount. nullopt for any other kind.
std::optional<KindInfo> kind_info(std::string_view kind);

// "/api/v1" for the core group ("v1"), "/apis/GROUP/VERSION" otherwise.
std::string api_prefix(std::string_view api_version);

// /apis/apps/v1/namespaces/NS/deployments/NAME/scale. An empty namespace gives the
// cluster-scoped (or all-namespaces) path, an empty name the collection. Segments are
// percent-encoded.
std::string resource_path(std::string_view api_version, std::string_view plural, std::string_view namespace_ = {},
                          std::string_view name = {}, std::string_view subresource = {});

// The path of a manifest object (apiVersion, kind, metadata.name, metadata.namespace or
// `default_namespace` when the kind is namespaced). Throws a usage Error for an object
// without those fields or of an unknown kind.
std::string object_path(const nlohmann::json& object, std::string_view default_namespace);

// "deployments.apps", "services": the resource as kubectl names it in messages.
std::string resource_name(std::string_view api_version, std::string_view plural);

} // namespace graflow::kube
