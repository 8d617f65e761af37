// The service proxy subresource and the external metrics API (as prometheus-adapter serves it).
#include "api.hpp"
#include "labels.hpp"

namespace fake {

using nlohmann::json;

namespace {

// The annotation naming where the fake forwards proxied requests for a Service.
constexpr const char* proxy_annotation = "fake.graflow.io/proxy-to";

// Splits "[scheme:]name[:port]" into the service name and port.
std::pair<std::string, std::string> parse_service_ref(const std::string& ref) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = ref.find(':', start);
    parts.push_back(ref.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) {
      break;
    }
    start = colon + 1;
  }
  if (parts.size() == 3) {
    return {parts[1], parts[2]};
  }
  if (parts.size() == 2) {
    return {parts[0], parts[1]};
  }
  return {parts[0], ""};
}

std::string host_port(const std::string& url) {
  const auto scheme = url.find("://");
  const std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  return rest.substr(0, rest.find('/'));
}

} // namespace

Reply proxy_service(ServerState& st, const Call& call) {
  const auto [service, port] = parse_service_ref(call.name);
  std::string target;
  {
    auto lock = st.store.lock();
    const Entry* entry = st.store.find(call.res, call.ns, service);
    if (entry == nullptr) {
      throw not_found(call.res, service);
    }
    const json annotations = entry->object["metadata"].value("annotations", json::object());
    target = annotations.value(proxy_annotation, "");
  }
  if (target.empty()) {
    throw service_unavailable("no endpoints available for service " + go_quote(service));
  }
  httplib::Client client(target);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  std::string path = "/" + call.sub_path;
  const auto query = call.http.target.find('?');
  if (query != std::string::npos) {
    path += call.http.target.substr(query);
  }
  httplib::Headers headers;
  if (call.http.has_header("Accept")) {
    headers.emplace("Accept", call.http.get_header_value("Accept"));
  }
  auto result = client.Get(path, headers);
  if (!result) {
    throw service_unavailable("error trying to reach service: dial tcp " + host_port(target) + ": " +
                              (result.error() == httplib::Error::Connection ? "connect: connection refused"
                                                                            : httplib::to_string(result.error())));
  }
  Reply reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  if (reply.content_type.empty()) {
    reply.content_type = "text/plain";
  }
  return reply;
}

Reply external_metric(ServerState& st, const httplib::Request& req, const std::string& ns, const std::string& metric) {
  const LabelSelector selector = LabelSelector::parse(req.get_param_value("labelSelector"));
  json items = json::array();
  bool known = false;
  {
    std::lock_guard lock(st.metrics_mutex);
    for (const auto& m : st.metrics) {
      if (m.metric != metric) {
        continue;
      }
      known = true;
      if (m.ns == ns && selector.matches(m.labels)) {
        items.push_back(
            {{"metricName", m.metric}, {"metricLabels", m.labels}, {"timestamp", m.timestamp}, {"value", m.value}});
      }
    }
  }
  if (!known) {
    // prometheus-adapter's answer for a metric no rule produces.
    throw ApiError(404, "NotFound",
                   "the server could not find the metric " + metric + " for " + (ns == "default" ? "namespaces" : ""));
  }
  return json_reply(200, {{"kind", "ExternalMetricValueList"},
                          {"apiVersion", "external.metrics.k8s.io/v1beta1"},
                          {"metadata", json::object()},
                          {"items", items}});
}

} // namespace fake
