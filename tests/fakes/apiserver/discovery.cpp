#include "discovery.hpp"

#include "api_error.hpp"
#include "resources.hpp"

#include <cstdio>
#include <functional>
#include <map>
#include <set>

namespace fake {

using nlohmann::json;

namespace {

struct GroupVersion {
  std::string group;
  std::string version;
  std::string str() const { return group.empty() ? version : group + "/" + version; }
  std::string path() const { return group.empty() ? "api/" + version : "apis/" + group + "/" + version; }
};

std::vector<GroupVersion> group_versions(const DiscoveryState& state) {
  std::vector<GroupVersion> out;
  std::set<std::string> seen;
  for (const auto& r : all_resources()) {
    if (seen.insert(r.api_version()).second) {
      out.push_back({r.group, r.version});
    }
  }
  if (state.external_metrics) {
    out.push_back({std::string(external_metrics_group), std::string(external_metrics_version)});
  }
  return out;
}

json resource_list(const GroupVersion& gv, const DiscoveryState& state) {
  json resources = json::array();
  if (gv.group == external_metrics_group) {
    for (const auto& name : state.metric_names) {
      resources.push_back({{"name", name},
                           {"singularName", ""},
                           {"namespaced", true},
                           {"kind", "ExternalMetricValueList"},
                           {"verbs", {"get"}}});
    }
  }
  for (const auto& r : all_resources()) {
    if (r.group != gv.group || r.version != gv.version) {
      continue;
    }
    json main = {{"name", r.plural},
                 {"singularName", r.singular},
                 {"namespaced", r.namespaced},
                 {"kind", r.kind},
                 {"verbs", r.verbs}};
    if (!r.short_names.empty()) {
      main["shortNames"] = r.short_names;
    }
    if (!r.categories.empty()) {
      main["categories"] = r.categories;
    }
    resources.push_back(main);
    if (r.has_proxy) {
      resources.push_back({{"name", r.plural + "/proxy"},
                           {"singularName", ""},
                           {"namespaced", r.namespaced},
                           {"kind", "ServiceProxyOptions"},
                           {"verbs", {"get"}}});
    }
    if (r.has_scale) {
      resources.push_back({{"name", r.plural + "/scale"},
                           {"singularName", ""},
                           {"namespaced", r.namespaced},
                           {"group", "autoscaling"},
                           {"version", "v1"},
                           {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
    }
    if (r.has_status && r.allows("update")) {
      resources.push_back({{"name", r.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", r.namespaced},
                           {"kind", r.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv.str()}, {"resources", resources}};
}

json api_group(const GroupVersion& gv) {
  const json version = {{"groupVersion", gv.str()}, {"version", gv.version}};
  return {{"name", gv.group}, {"versions", json::array({version})}, {"preferredVersion", version}};
}

std::string hash_of(const json& doc) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016zX", std::hash<std::string>{}(doc.dump()));
  return buf;
}

// Just enough OpenAPI v3 for kubectl: the PATCH operations declare the fieldValidation query
// parameter, so kubectl validates on the server instead of asking for OpenAPI v2 schemas.
json openapi_v3(const GroupVersion& gv) {
  json paths = json::object();
  auto param = [](const char* name) {
    return json{{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
  };
  const json write_params = json::array({param("dryRun"), param("fieldManager"), param("fieldValidation")});
  json patch_params = write_params;
  patch_params.push_back(param("force"));
  json schemas = json::object();
  for (const auto& r : all_resources()) {
    if (r.group != gv.group || r.version != gv.version) {
      continue;
    }
    const json gvk = {{"group", r.group}, {"version", r.version}, {"kind", r.kind}};
    auto op = [&](const char* action, const json& params) {
      return json{{"x-kubernetes-action", action},
                  {"x-kubernetes-group-version-kind", gvk},
                  {"parameters", params},
                  {"responses", {{"200", {{"description", "OK"}}}}}};
    };
    const std::string base = "/" + gv.path() + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
    paths[base] = {{"get", op("list", json::array())}, {"post", op("post", write_params)}};
    paths[base + "/{name}"] = {{"get", op("get", json::array())},
                               {"put", op("put", write_params)},
                               {"patch", op("patch", patch_params)},
                               {"delete", op("delete", json::array({param("dryRun")}))}};
    const std::string schema_name =
        "io.k8s.fake." + (r.group.empty() ? "core" : r.group) + "." + r.version + "." + r.kind;
    schemas[schema_name] = {{"type", "object"},
                            {"x-kubernetes-group-version-kind", json::array({gvk})},
                            {"x-kubernetes-preserve-unknown-fields", true}};
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

} // namespace

std::optional<json> discovery_document(const std::string& path, const DiscoveryState& state) {
  const auto gvs = group_versions(state);
  if (path == "/version") {
    return json{{"major", "1"},
                {"minor", "32"},
                {"gitVersion", "v1.32.0-fake"},
                {"gitCommit", "0000000000000000000000000000000000000000"},
                {"gitTreeState", "clean"},
                {"buildDate", "2024-12-11T00:00:00Z"},
                {"goVersion", "go1.23.4"},
                {"compiler", "gc"},
                {"platform", "linux/amd64"}};
  }
  if (path == "/api") {
    return json{{"kind", "APIVersions"},
                {"versions", {"v1"}},
                {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:6443"}}}}};
  }
  if (path == "/apis") {
    std::map<std::string, json> groups;
    for (const auto& gv : gvs) {
      if (!gv.group.empty()) {
        groups.emplace(gv.group, api_group(gv));
      }
    }
    json list = json::array();
    for (auto& [name, g] : groups) {
      list.push_back(g);
    }
    return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}};
  }
  if (path == "/openapi/v3") {
    json paths = json::object();
    for (const auto& gv : gvs) {
      if (gv.group != external_metrics_group) {
        paths[gv.path()] = {{"serverRelativeURL", "/openapi/v3/" + gv.path() + "?hash=" + hash_of(openapi_v3(gv))}};
      }
    }
    return json{{"paths", paths}};
  }
  const bool openapi = path.starts_with("/openapi/v3/");
  const std::string rest = openapi ? path.substr(std::string("/openapi/v3").size()) : path;
  for (const auto& gv : gvs) {
    if (rest == "/" + gv.path()) {
      if (openapi) {
        return openapi_v3(gv);
      }
      return resource_list(gv, state);
    }
    if (!openapi && !gv.group.empty() && rest == "/apis/" + gv.group) {
      json g = api_group(gv);
      g["kind"] = "APIGroup";
      g["apiVersion"] = "v1";
      return g;
    }
  }
  if (openapi || rest.starts_with("/openapi/")) {
    throw path_not_found();
  }
  return std::nullopt;
}

} // namespace fake
