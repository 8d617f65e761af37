// Routes API paths to discovery, reads, writes, the service proxy and external metrics.
#include "api.hpp"
#include "discovery.hpp"
#include "labels.hpp"
#include "presenter.hpp"

#include <functional>

namespace fake {

using nlohmann::json;

Reply json_reply(int status, const json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump();
  return reply;
}

Reply error_reply(const ApiError& error) { return json_reply(error.code(), error.status()); }

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  while (!out.empty() && out.back().empty()) {
    out.pop_back();
  }
  return out;
}

bool wants_table(const httplib::Request& req) {
  return req.get_header_value("Accept").find("as=Table") != std::string::npos;
}

DiscoveryState discovery_state(ServerState& st) {
  DiscoveryState ds;
  {
    auto lock = st.store.lock();
    ds.external_metrics = st.store.find(*find_resource("apiregistration.k8s.io", "v1", "apiservices"), "",
                                        std::string(external_metrics_apiservice)) != nullptr;
  }
  std::lock_guard lock(st.metrics_mutex);
  for (const auto& m : st.metrics) {
    if (std::find(ds.metric_names.begin(), ds.metric_names.end(), m.metric) == ds.metric_names.end()) {
      ds.metric_names.push_back(m.metric);
    }
  }
  return ds;
}

json namespace_object(const std::string& name) {
  char uid[40];
  const auto h = std::hash<std::string>{}(name);
  std::snprintf(uid, sizeof uid, "%08zx-0000-4000-8000-%012zx", h & 0xffffffffU, h & 0xffffffffffffU);
  return {{"kind", "Namespace"},
          {"apiVersion", "v1"},
          {"metadata",
           {{"name", name},
            {"uid", uid},
            {"resourceVersion", "1"},
            {"creationTimestamp", "2024-01-01T00:00:00Z"},
            {"labels", {{"kubernetes.io/metadata.name", name}}}}},
          {"spec", {{"finalizers", {"kubernetes"}}}},
          {"status", {{"phase", "Active"}}}};
}

} // namespace

std::function<bool(const json&)> list_filter(const httplib::Request& req) {
  const LabelSelector labels = LabelSelector::parse(req.get_param_value("labelSelector"));
  std::vector<std::pair<std::string, std::string>> fields;
  const std::string field_text = req.get_param_value("fieldSelector");
  std::size_t pos = 0;
  while (!field_text.empty() && pos <= field_text.size()) {
    const auto end = std::min(field_text.find(',', pos), field_text.size());
    const std::string term = field_text.substr(pos, end - pos);
    const auto eq = term.find('=');
    std::string key = term.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : term.substr(eq + 1);
    if (!value.empty() && value[0] == '=') {
      value.erase(0, 1);
    }
    if (key != "metadata.name" && key != "metadata.namespace") {
      throw bad_request("field label not supported: " + key);
    }
    fields.emplace_back(key.substr(9), value);
    pos = end + 1;
  }
  return [labels, fields](const json& obj) {
    const json& meta = obj["metadata"];
    for (const auto& [key, value] : fields) {
      if (meta.value(key, "") != value) {
        return false;
      }
    }
    return labels.matches(meta.value("labels", json::object()));
  };
}

namespace {

Reply list_reply(const httplib::Request& req, const ResourceInfo& res, std::vector<json> objects,
                 const std::string& rv) {
  if (wants_table(req)) {
    return json_reply(200, table_of(res, objects, req.get_param_value("includeObject"), rv));
  }
  json items = json::array();
  for (auto& obj : objects) {
    if (!res.crd) {
      obj.erase("kind");
      obj.erase("apiVersion");
    }
    items.push_back(std::move(obj));
  }
  return json_reply(200, {{"kind", res.kind + "List"},
                          {"apiVersion", res.api_version()},
                          {"metadata", {{"resourceVersion", rv}}},
                          {"items", items}});
}

Reply get_or_list(ServerState& st, const Call& call) {
  const ResourceInfo& res = call.res;
  const std::string watch = call.http.get_param_value("watch");
  if (watch == "true" || watch == "1") {
    if (!call.name.empty() || res.plural == "namespaces") {
      throw method_not_allowed();
    }
    return watch_objects(st, call);
  }
  if (res.plural == "namespaces") {
    if (!call.name.empty()) {
      const json ns = namespace_object(call.name);
      return wants_table(call.http)
                 ? json_reply(200, table_of(res, {ns}, call.http.get_param_value("includeObject"), "1"))
                 : json_reply(200, ns);
    }
    std::set<std::string> names;
    {
      auto lock = st.store.lock();
      names = st.store.namespaces();
    }
    const auto keep = list_filter(call.http);
    std::vector<json> objects;
    for (const auto& n : names) {
      if (json ns = namespace_object(n); keep(ns)) {
        objects.push_back(ns);
      }
    }
    return list_reply(call.http, res, objects, "1");
  }
  auto lock = st.store.lock();
  if (!call.name.empty()) {
    Entry* entry = st.store.find(res, call.ns, call.name);
    if (entry == nullptr) {
      throw not_found(res, call.name);
    }
    reconcile(res, *entry, st.config.ready_delay, st.store);
    const json obj = present(res, *entry);
    if (call.subresource == "scale") {
      return json_reply(200, scale_of(obj));
    }
    if (wants_table(call.http)) {
      return json_reply(200, table_of(res, {obj}, call.http.get_param_value("includeObject"),
                                      obj["metadata"].value("resourceVersion", "")));
    }
    return json_reply(200, obj);
  }
  const auto keep = list_filter(call.http);
  std::vector<json> objects;
  for (Entry* entry : st.store.list(res, call.ns)) {
    reconcile(res, *entry, st.config.ready_delay, st.store);
    if (json obj = present(res, *entry); keep(obj)) {
      objects.push_back(std::move(obj));
    }
  }
  return list_reply(call.http, res, std::move(objects), st.store.resource_version());
}

// Maps the HTTP method on a resource path to its Kubernetes verb.
std::string verb_of(const std::string& method, bool named) {
  if (method == "GET") {
    return named ? "get" : "list";
  }
  if (method == "POST") {
    return named ? "" : "create";
  }
  if (!named) {
    return "";
  }
  if (method == "PUT") {
    return "update";
  }
  if (method == "PATCH") {
    return "patch";
  }
  if (method == "DELETE") {
    return "delete";
  }
  return "";
}

Reply dispatch(ServerState& st, const Call& call) {
  const std::string& method = call.http.method;
  if (call.subresource == "proxy") {
    if (method != "GET") {
      throw method_not_allowed();
    }
    return proxy_service(st, call);
  }
  if (!call.subresource.empty()) {
    if (method == "GET") {
      return get_or_list(st, call);
    }
    if (method == "PUT") {
      return replace_object(st, call);
    }
    if (method == "PATCH") {
      return patch_object(st, call);
    }
    throw method_not_allowed();
  }
  const std::string verb = verb_of(method, !call.name.empty());
  if (verb.empty() || !call.res.allows(verb)) {
    throw method_not_allowed();
  }
  if (verb == "get" || verb == "list") {
    return get_or_list(st, call);
  }
  if (verb == "create") {
    return create_object(st, call);
  }
  if (verb == "update") {
    return replace_object(st, call);
  }
  if (verb == "patch") {
    return patch_object(st, call);
  }
  return delete_object(st, call);
}

} // namespace

Reply handle_api(ServerState& st, const httplib::Request& req, const std::string& user) {
  if (req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz") {
    Reply ok;
    ok.body = "ok";
    ok.content_type = "text/plain; charset=utf-8";
    return ok;
  }
  const DiscoveryState ds = discovery_state(st);
  if (auto doc = discovery_document(req.path, ds)) {
    if (req.method != "GET") {
      throw method_not_allowed();
    }
    return json_reply(200, *doc);
  }
  const auto seg = split_path(req.path);
  std::size_t i = 0;
  std::string group;
  std::string version;
  if (seg.size() >= 2 && seg[0] == "api") {
    version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
    i = 3;
  } else {
    throw path_not_found();
  }
  if (group == external_metrics_group && version == external_metrics_version) {
    if (!ds.external_metrics) {
      throw path_not_found();
    }
    if (seg.size() != 6 || seg[3] != "namespaces") {
      throw path_not_found();
    }
    if (req.method != "GET") {
      throw method_not_allowed();
    }
    return external_metric(st, req, seg[4], seg[5]);
  }
  std::string ns;
  // namespaces/NS/RESOURCE... addresses a namespaced resource; namespaces[/NS] itself is the
  // Namespace resource.
  if (seg.size() > i + 2 && seg[i] == "namespaces") {
    ns = seg[i + 1];
    i += 2;
  }
  if (seg.size() <= i) {
    throw path_not_found();
  }
  const ResourceInfo* res = find_resource(group, version, seg[i]);
  if (res == nullptr || (!res->namespaced && !ns.empty())) {
    throw path_not_found();
  }
  const std::string name = seg.size() > i + 1 ? seg[i + 1] : "";
  const std::string sub = seg.size() > i + 2 ? seg[i + 2] : "";
  if (res->namespaced && ns.empty() && !name.empty()) {
    throw path_not_found();
  }
  std::string sub_path;
  for (std::size_t k = i + 3; k < seg.size(); ++k) {
    sub_path += (k == i + 3 ? "" : "/") + seg[k];
  }
  if (req.path.size() > 1 && req.path.back() == '/' && sub == "proxy") {
    sub_path += "/";
  }
  const bool sub_ok = sub.empty() || (sub == "status" && res->has_status && res->allows("update")) ||
                      (sub == "scale" && res->has_scale) || (sub == "proxy" && res->has_proxy);
  if (!sub_ok || (sub != "proxy" && seg.size() > i + 3)) {
    throw path_not_found();
  }
  return dispatch(st, Call{req, user, *res, ns, name, sub, sub_path});
}

} // namespace fake
