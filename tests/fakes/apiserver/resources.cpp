#include "resources.hpp"

#include <algorithm>

namespace fake {

std::string ResourceInfo::api_version() const { return group.empty() ? version : group + "/" + version; }

std::string ResourceInfo::group_resource() const { return group.empty() ? plural : plural + "." + group; }

std::string ResourceInfo::base_path() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string ResourceInfo::storage_key(const std::string& ns, const std::string& name) const {
  std::string prefix = "/registry/";
  if (crd) {
    prefix += group + "/";
  }
  prefix += plural == "services" ? "services/specs" : plural;
  return prefix + "/" + (namespaced ? ns + "/" : "") + name;
}

bool ResourceInfo::allows(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

namespace {

const std::vector<std::string> crud = {"create", "delete", "get", "list", "patch", "update"};

ResourceInfo resource(const char* group, const char* version, const char* plural, const char* kind,
                      std::vector<std::string> verbs) {
  ResourceInfo r;
  r.group = group;
  r.version = version;
  r.plural = plural;
  r.singular = plural;
  r.singular.pop_back();
  r.kind = kind;
  r.verbs = std::move(verbs);
  return r;
}

std::vector<ResourceInfo> make_resources() {
  std::vector<ResourceInfo> out;
  ResourceInfo& ns = out.emplace_back(resource("", "v1", "namespaces", "Namespace", {"get", "list"}));
  ns.namespaced = false;
  ns.short_names = {"ns"};

  ResourceInfo& svc = out.emplace_back(resource("", "v1", "services", "Service", crud));
  svc.short_names = {"svc"};
  svc.categories = {"all"};
  svc.has_status = true;
  svc.has_proxy = true;

  ResourceInfo& cm = out.emplace_back(resource("", "v1", "configmaps", "ConfigMap", crud));
  cm.short_names = {"cm"};

  ResourceInfo& pod = out.emplace_back(resource("", "v1", "pods", "Pod", {"get", "list"}));
  pod.short_names = {"po"};
  pod.categories = {"all"};
  pod.has_status = true;

  ResourceInfo& deploy = out.emplace_back(resource("apps", "v1", "deployments", "Deployment", crud));
  deploy.short_names = {"deploy"};
  deploy.categories = {"all"};
  deploy.has_status = true;
  deploy.has_scale = true;
  deploy.has_generation = true;

  ResourceInfo& hpa =
      out.emplace_back(resource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", crud));
  hpa.short_names = {"hpa"};
  hpa.categories = {"all"};
  hpa.has_status = true;
  hpa.has_generation = true;

  ResourceInfo& smon =
      out.emplace_back(resource("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", crud));
  smon.short_names = {"smon"};
  smon.crd = true;
  smon.has_generation = true;

  ResourceInfo& apisvc = out.emplace_back(resource("apiregistration.k8s.io", "v1", "apiservices", "APIService", crud));
  apisvc.namespaced = false;
  apisvc.categories = {"api-extensions"};
  apisvc.has_status = true;
  return out;
}

} // namespace

const std::vector<ResourceInfo>& all_resources() {
  static const std::vector<ResourceInfo> resources = make_resources();
  return resources;
}

const ResourceInfo* find_resource(std::string_view group, std::string_view version, std::string_view plural) {
  for (const auto& r : all_resources()) {
    if (r.group == group && r.version == version && r.plural == plural) {
      return &r;
    }
  }
  return nullptr;
}

const ResourceInfo* find_kind(std::string_view api_version, std::string_view kind) {
  for (const auto& r : all_resources()) {
    if (r.api_version() == api_version && r.kind == kind) {
      return &r;
    }
  }
  return nullptr;
}

} // namespace fake
