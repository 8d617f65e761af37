#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fake {

// What the fake knows about one served resource type (one entry of an APIResourceList).
struct ResourceInfo {
  std::string group;
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool has_status = false; // a /status subresource; the main endpoint ignores status
  bool has_scale = false;  // a /scale subresource (autoscaling/v1 Scale)
  bool has_proxy = false;  // a /proxy subresource (services)
  bool crd = false;        // served like a CustomResourceDefinition
  bool has_generation = false;

  std::string api_version() const;    // "v1" or "apps/v1"
  std::string group_resource() const; // "deployments.apps" or "services"
  std::string base_path() const;      // "/api/v1" or "/apis/apps/v1"
  std::string storage_key(const std::string& ns, const std::string& name) const;
  bool allows(std::string_view verb) const;
};

const std::vector<ResourceInfo>& all_resources();
const ResourceInfo* find_resource(std::string_view group, std::string_view version, std::string_view plural);
const ResourceInfo* find_kind(std::string_view api_version, std::string_view kind);

// The group of the external metrics API, served only while its APIService exists.
inline constexpr std::string_view external_metrics_group = "external.metrics.k8s.io";
inline constexpr std::string_view external_metrics_version = "v1beta1";
inline constexpr std::string_view external_metrics_apiservice = "v1beta1.external.metrics.k8s.io";

} // namespace fake
