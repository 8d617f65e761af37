#include "presenter.hpp"

#include "labels.hpp"

#include <algorithm>
#include <ctime>

namespace fake {

using nlohmann::json;

std::int64_t ready_replicas(const Entry& entry, std::chrono::milliseconds ready_delay) {
  const std::int64_t replicas = entry.object["spec"].value("replicas", 1);
  if (std::chrono::steady_clock::now() - entry.spec_changed_at >= ready_delay) {
    return replicas;
  }
  return std::min(entry.ready_before, replicas);
}

json deployment_status(const Entry& entry, std::chrono::milliseconds ready_delay) {
  const json& obj = entry.object;
  const std::int64_t replicas = obj["spec"].value("replicas", 1);
  const std::int64_t ready = ready_replicas(entry, ready_delay);
  const bool settled = std::chrono::steady_clock::now() - entry.spec_changed_at >= ready_delay;
  json status = {{"observedGeneration", obj["metadata"].value("generation", 1)}};
  auto set_count = [&](const char* key, std::int64_t n) {
    if (n != 0) {
      status[key] = n;
    }
  };
  set_count("replicas", replicas);
  set_count("updatedReplicas", replicas);
  set_count("readyReplicas", ready);
  set_count("availableReplicas", ready);
  set_count("unavailableReplicas", replicas - ready);
  const std::string& since = entry.spec_changed_time;
  const std::string rs = obj["metadata"].value("name", "") + "-6d4cf56db6";
  const bool available = ready >= replicas;
  status["conditions"] =
      json::array({{{"type", "Available"},
                    {"status", available ? "True" : "False"},
                    {"reason", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"},
                    {"message", available ? "Deployment has minimum availability."
                                          : "Deployment does not have minimum availability."},
                    {"lastUpdateTime", since},
                    {"lastTransitionTime", since}},
                   {{"type", "Progressing"},
                    {"status", "True"},
                    {"reason", settled ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"},
                    {"message", settled ? "ReplicaSet \"" + rs + "\" has successfully progressed."
                                        : "ReplicaSet \"" + rs + "\" is progressing."},
                    {"lastUpdateTime", since},
                    {"lastTransitionTime", since}}});
  return status;
}

void reconcile(const ResourceInfo& res, Entry& entry, std::chrono::milliseconds ready_delay, Store& store) {
  if (res.plural != "deployments" || !entry.controlled) {
    return;
  }
  json status = deployment_status(entry, ready_delay);
  if (entry.object.value("status", json()) == status) {
    return;
  }
  entry.object["status"] = std::move(status);
  entry.object["metadata"]["resourceVersion"] = store.next_resource_version();
  store.record(res, entry.object["metadata"].value("namespace", ""), "MODIFIED", present(res, entry));
}

namespace {

std::string human_age(const std::string& timestamp) {
  std::tm tm{};
  if (strptime(timestamp.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return "<unknown>";
  }
  const long long s = static_cast<long long>(std::time(nullptr) - timegm(&tm));
  if (s < 0) {
    return "0s";
  }
  const long long m = s / 60;
  const long long h = m / 60;
  const long long d = h / 24;
  auto str = [](long long v) { return std::to_string(v); };
  if (s < 120) {
    return str(s) + "s";
  }
  if (m < 10) {
    return s % 60 == 0 ? str(m) + "m" : str(m) + "m" + str(s % 60) + "s";
  }
  if (m < 180) {
    return str(m) + "m";
  }
  if (h < 8) {
    return m % 60 == 0 ? str(h) + "h" : str(h) + "h" + str(m % 60) + "m";
  }
  if (h < 48) {
    return str(h) + "h";
  }
  if (h < 24 * 8) {
    return h % 24 == 0 ? str(d) + "d" : str(d) + "d" + str(h % 24) + "h";
  }
  return str(d) + "d";
}

std::string quantity(const json& q) { return q.is_string() ? q.get<std::string>() : q.dump(); }

std::string hpa_targets(const json& obj) {
  const json specs = obj["spec"].value("metrics", json::array());
  const json statuses = obj.value("status", json::object()).value("currentMetrics", json::array());
  if (specs.empty()) {
    return "<none>";
  }
  std::vector<std::string> list;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string type = specs[i].value("type", "");
    const json st = i < statuses.size() ? statuses[i] : json::object();
    if (type == "External" || type == "Pods" || type == "Object") {
      std::string key = type == "External" ? "external" : type == "Pods" ? "pods" : "object";
      const json target = specs[i].value(key, json::object()).value("target", json::object());
      const json current = st.value(key, json::object()).value("current", json::object());
      if (target.contains("averageValue")) {
        list.push_back((current.contains("averageValue") ? quantity(current["averageValue"]) : "<unknown>") + "/" +
                       quantity(target["averageValue"]) + " (avg)");
      } else {
        list.push_back((current.contains("value") ? quantity(current["value"]) : "<unknown>") + "/" +
                       quantity(target.value("value", json("<auto>"))));
      }
    } else if (type == "Resource") {
      const json res = specs[i].value("resource", json::object());
      const json target = res.value("target", json::object());
      const json current = st.value("resource", json::object()).value("current", json::object());
      const std::string cur =
          current.contains("averageUtilization") ? current["averageUtilization"].dump() + "%" : "<unknown>";
      const std::string tgt =
          target.contains("averageUtilization") ? target["averageUtilization"].dump() + "%" : "<auto>";
      list.push_back(res.value("name", "") + ": " + cur + "/" + tgt);
    } else {
      list.push_back("<unknown>");
    }
  }
  std::string out;
  for (std::size_t i = 0; i < list.size() && i < 2; ++i) {
    out += (i ? ", " : "") + list[i];
  }
  if (list.size() > 2) {
    out += " + " + std::to_string(list.size() - 2) + " more...";
  }
  return out;
}

struct Column {
  const char* name;
  const char* type;
  int priority;
};

std::vector<Column> columns_for(const ResourceInfo& res) {
  if (res.plural == "deployments") {
    return {{"Ready", "string", 0},   {"Up-to-date", "integer", 0}, {"Available", "integer", 0},
            {"Age", "string", 0},     {"Containers", "string", 1},  {"Images", "string", 1},
            {"Selector", "string", 1}};
  }
  if (res.plural == "horizontalpodautoscalers") {
    return {{"Reference", "string", 0}, {"Targets", "string", 0},   {"MinPods", "string", 0},
            {"MaxPods", "integer", 0},  {"Replicas", "integer", 0}, {"Age", "string", 0}};
  }
  if (res.plural == "services") {
    return {{"Type", "string", 0},    {"Cluster-IP", "string", 0}, {"External-IP", "string", 0},
            {"Port(s)", "string", 0}, {"Age", "string", 0},        {"Selector", "string", 1}};
  }
  if (res.plural == "configmaps") {
    return {{"Data", "integer", 0}, {"Age", "string", 0}};
  }
  if (res.plural == "pods") {
    return {{"Ready", "string", 0}, {"Status", "string", 0}, {"Restarts", "string", 0}, {"Age", "string", 0}};
  }
  if (res.plural == "namespaces") {
    return {{"Status", "string", 0}, {"Age", "string", 0}};
  }
  if (res.plural == "apiservices") {
    return {{"Service", "string", 0}, {"Available", "string", 0}, {"Age", "string", 0}};
  }
  return {{"Age", "string", 0}};
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : sep) + p;
  }
  return out;
}

json cells_for(const ResourceInfo& res, const json& obj) {
  const json meta = obj.value("metadata", json::object());
  const json spec = obj.value("spec", json::object());
  const json status = obj.value("status", json::object());
  const std::string age = human_age(meta.value("creationTimestamp", ""));
  json cells = json::array({meta.value("name", "")});
  if (res.plural == "deployments") {
    std::vector<std::string> names;
    std::vector<std::string> images;
    for (const auto& c :
         spec.value("template", json::object()).value("spec", json::object()).value("containers", json::array())) {
      names.push_back(c.value("name", ""));
      images.push_back(c.value("image", ""));
    }
    const auto replicas = spec.value("replicas", 0);
    cells.push_back(std::to_string(status.value("readyReplicas", 0)) + "/" + std::to_string(replicas));
    cells.push_back(status.value("updatedReplicas", 0));
    cells.push_back(status.value("availableReplicas", 0));
    cells.push_back(age);
    cells.push_back(join(names, ","));
    cells.push_back(join(images, ","));
    cells.push_back(LabelSelector::from_object(spec.value("selector", json::object())).str());
  } else if (res.plural == "horizontalpodautoscalers") {
    const json ref = spec.value("scaleTargetRef", json::object());
    cells.push_back(ref.value("kind", "") + "/" + ref.value("name", ""));
    cells.push_back(hpa_targets(obj));
    cells.push_back(spec.contains("minReplicas") ? spec["minReplicas"].dump() : "<unset>");
    cells.push_back(spec.value("maxReplicas", 0));
    cells.push_back(status.value("currentReplicas", 0));
    cells.push_back(age);
  } else if (res.plural == "services") {
    std::vector<std::string> ports;
    for (const auto& p : spec.value("ports", json::array())) {
      ports.push_back(std::to_string(p.value("port", 0)) + "/" + p.value("protocol", "TCP"));
    }
    std::vector<std::string> selector;
    const json service_selector = spec.value("selector", json::object());
    for (const auto& [k, v] : service_selector.items()) {
      selector.push_back(k + "=" + v.get<std::string>());
    }
    cells.push_back(spec.value("type", "ClusterIP"));
    cells.push_back(spec.value("clusterIP", "<none>"));
    cells.push_back("<none>");
    cells.push_back(ports.empty() ? "<none>" : join(ports, ","));
    cells.push_back(age);
    cells.push_back(selector.empty() ? "<none>" : join(selector, ","));
  } else if (res.plural == "configmaps") {
    cells.push_back(obj.value("data", json::object()).size() + obj.value("binaryData", json::object()).size());
    cells.push_back(age);
  } else if (res.plural == "pods") {
    const json statuses = status.value("containerStatuses", json::array());
    const auto ready =
        std::count_if(statuses.begin(), statuses.end(), [](const json& c) { return c.value("ready", false); });
    const auto total = spec.value("containers", json::array()).size();
    cells.push_back(std::to_string(ready) + "/" + std::to_string(total));
    cells.push_back(status.value("phase", "Pending"));
    cells.push_back("0");
    cells.push_back(age);
  } else if (res.plural == "namespaces") {
    cells.push_back(status.value("phase", "Active"));
    cells.push_back(age);
  } else if (res.plural == "apiservices") {
    const json svc = spec.value("service", json());
    cells.push_back(svc.is_object() ? svc.value("namespace", "") + "/" + svc.value("name", "") : "Local");
    std::string available = "Unknown";
    for (const auto& c : status.value("conditions", json::array())) {
      if (c.value("type", "") == "Available") {
        available = c.value("status", "Unknown");
      }
    }
    cells.push_back(available);
    cells.push_back(age);
  } else {
    cells.push_back(age);
  }
  return cells;
}

} // namespace

json present(const ResourceInfo&, const Entry& entry) {
  json obj = entry.object;
  if (!entry.managed.empty()) {
    obj["metadata"]["managedFields"] = managed_fields_json(entry.managed);
  }
  return obj;
}

json scale_of(const json& deployment) {
  const json& meta = deployment["metadata"];
  json scale = {
      {"kind", "Scale"},
      {"apiVersion", "autoscaling/v1"},
      {"metadata",
       {{"name", meta["name"]},
        {"namespace", meta["namespace"]},
        {"uid", meta["uid"]},
        {"resourceVersion", meta["resourceVersion"]},
        {"creationTimestamp", meta["creationTimestamp"]}}},
      {"spec", json::object()},
      {"status",
       {{"replicas", deployment.value("status", json::object()).value("replicas", 0)},
        {"selector", LabelSelector::from_object(deployment["spec"].value("selector", json::object())).str()}}}};
  const auto replicas = deployment["spec"].value("replicas", 0);
  if (replicas != 0) {
    scale["spec"]["replicas"] = replicas;
  }
  return scale;
}

json table_of(const ResourceInfo& res, const std::vector<json>& objects, const std::string& include_object,
              const std::string& resource_version) {
  json columns = json::array({{{"name", "Name"},
                               {"type", "string"},
                               {"format", "name"},
                               {"description", "Name must be unique within a namespace."},
                               {"priority", 0}}});
  for (const auto& c : columns_for(res)) {
    columns.push_back(
        {{"name", c.name}, {"type", c.type}, {"format", ""}, {"description", c.name}, {"priority", c.priority}});
  }
  json rows = json::array();
  for (const auto& obj : objects) {
    json row = {{"cells", cells_for(res, obj)}};
    if (include_object == "Object") {
      row["object"] = obj;
    } else if (include_object != "None") {
      json meta = obj["metadata"];
      meta.erase("managedFields");
      row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}};
    }
    rows.push_back(row);
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

} // namespace fake
