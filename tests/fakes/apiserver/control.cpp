// The /_fake/ control API that tests use to arrange state, inject faults and read the log.
#include "api.hpp"
#include "presenter.hpp"

namespace fake {

using nlohmann::json;

namespace {

Reply control_error(int status, const std::string& message) { return json_reply(status, {{"error", message}}); }

json parse_json(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument(std::string("invalid JSON: ") + e.what());
  }
}

// Stores a full object as given (status and managedFields included) with fresh system metadata.
Reply put_object(ServerState& st, const httplib::Request& req) {
  json obj = parse_json(req.body);
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) {
    throw std::invalid_argument("the object needs apiVersion, kind and metadata");
  }
  const ResourceInfo* res = find_kind(obj.value("apiVersion", ""), obj.value("kind", ""));
  if (res == nullptr) {
    throw std::invalid_argument("the fake does not serve " + obj.value("apiVersion", "") + " " + obj.value("kind", ""));
  }
  json& meta = obj["metadata"];
  const std::string name = meta.value("name", "");
  if (name.empty()) {
    throw std::invalid_argument("metadata.name is required");
  }
  std::string ns;
  if (res->namespaced) {
    ns = meta.value("namespace", "default");
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  Entry entry;
  entry.managed = parse_managed_fields(meta.value("managedFields", json::array()));
  for (auto& m : entry.managed) {
    if (m.time.empty()) {
      m.time = now_rfc3339();
    }
  }
  meta.erase("managedFields");
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = now_rfc3339();
  if (res->has_generation && !meta.contains("generation")) {
    meta["generation"] = 1;
  }
  // A Deployment given with a status keeps it until its spec changes: the simulated
  // controller has not caught up yet. That is how tests arrange stuck rollouts.
  entry.controlled = !(res->plural == "deployments" && obj.contains("status"));
  const bool settled = req.get_param_value("settled") != "false";
  entry.spec_changed_at = std::chrono::steady_clock::now();
  if (settled) {
    entry.spec_changed_at -= st.config.ready_delay + std::chrono::milliseconds(1);
    entry.ready_before = obj.value("spec", json::object()).value("replicas", 1);
  }
  entry.spec_changed_time = meta["creationTimestamp"];
  auto lock = st.store.lock();
  const bool existed = st.store.find(*res, ns, name) != nullptr;
  meta["resourceVersion"] = st.store.next_resource_version();
  entry.object = std::move(obj);
  if (res->plural == "deployments" && entry.controlled) {
    entry.object["status"] = deployment_status(entry, st.config.ready_delay);
  }
  const json presented = present(*res, entry);
  st.store.put(*res, ns, name, std::move(entry));
  st.store.record(*res, ns, existed ? "MODIFIED" : "ADDED", presented);
  return json_reply(existed ? 200 : 201, presented);
}

Reply set_metric(ServerState& st, const httplib::Request& req) {
  const json spec = parse_json(req.body);
  if (!spec.is_object() || spec.value("metric", "").empty() || !spec.contains("value")) {
    throw std::invalid_argument("an external metric needs metric and value (and namespace, labels)");
  }
  MetricValue m{spec.value("namespace", "default"), spec["metric"], spec.value("labels", json::object()),
                spec["value"].is_string() ? spec["value"].get<std::string>() : spec["value"].dump(), now_rfc3339()};
  std::lock_guard lock(st.metrics_mutex);
  auto same = [&](const MetricValue& v) { return v.ns == m.ns && v.metric == m.metric && v.labels == m.labels; };
  if (auto it = std::find_if(st.metrics.begin(), st.metrics.end(), same); it != st.metrics.end()) {
    *it = m;
  } else {
    st.metrics.push_back(m);
  }
  return json_reply(200, spec);
}

} // namespace

Reply handle_control(ServerState& st, const httplib::Request& req) {
  const std::string& path = req.path;
  const std::string& method = req.method;
  try {
    if (path == "/_fake/objects" && method == "PUT") {
      return put_object(st, req);
    }
    if (path == "/_fake/objects" && method == "DELETE") {
      auto lock = st.store.lock();
      st.store.clear();
      return json_reply(200, json::object());
    }
    if (path.starts_with("/_fake/objects/") && method == "GET") {
      httplib::Request read = req;
      read.path = path.substr(std::string("/_fake/objects").size());
      try {
        return handle_api(st, read, "");
      } catch (const ApiError& e) {
        return error_reply(e);
      }
    }
    if (path == "/_fake/external-metrics" && method == "POST") {
      return set_metric(st, req);
    }
    if (path == "/_fake/external-metrics" && method == "DELETE") {
      std::lock_guard lock(st.metrics_mutex);
      st.metrics.clear();
      return json_reply(200, json::object());
    }
    if (path == "/_fake/faults" && method == "POST") {
      Fault fault = parse_fault(parse_json(req.body));
      const json shown = fault.to_json();
      st.add_fault(std::move(fault));
      return json_reply(201, shown);
    }
    if (path == "/_fake/faults" && method == "GET") {
      return json_reply(200, st.faults_json());
    }
    if (path == "/_fake/faults" && method == "DELETE") {
      st.clear_faults();
      return json_reply(200, json::object());
    }
    if (path == "/_fake/requests" && method == "GET") {
      return json_reply(200, st.requests_json());
    }
    if (path == "/_fake/requests" && method == "DELETE") {
      st.clear_requests();
      return json_reply(200, json::object());
    }
  } catch (const std::invalid_argument& e) {
    return control_error(400, e.what());
  } catch (const json::exception& e) {
    return control_error(400, e.what());
  }
  return control_error(404, "no control endpoint " + method + " " + path);
}

} // namespace fake
