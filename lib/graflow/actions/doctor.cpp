#include "graflow/actions/doctor.hpp"

#include "graflow/actions/queue.hpp"
#include "graflow/actions/redis_hint.hpp"
#include "graflow/actions/resolve.hpp"
#include "graflow/actions/rollout.hpp"
#include "graflow/actions/scale.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/printable.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/queues/read.hpp"
#include "graflow/redis/cluster.hpp"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <ostream>
#include <sstream>

namespace graflow::actions {
namespace {

using json = nlohmann::json;

std::string url_encode(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Check ok(std::string name, std::string message) { return {std::move(name), CheckStatus::ok, std::move(message), ""}; }
Check fail(std::string name, std::string message, std::string hint) {
  return {std::move(name), CheckStatus::fail, std::move(message), std::move(hint)};
}
Check warn(std::string name, std::string message, std::string hint) {
  return {std::move(name), CheckStatus::warn, std::move(message), std::move(hint)};
}

// The value of `metric{key_prefix="P"}` in a text exposition, if present.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series, 0) == 0 && line.size() > series.size() && line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

std::string number(double v) {
  return std::fabs(v - std::round(v)) < 1e-9 ? fmt::format("{}", static_cast<long long>(std::llround(v)))
                                             : fmt::format("{:.3g}", v);
}

// The profile's queue as the pipeline carries it: the exporter's series, and the metric and
// selector of the rendered HPA (DESIGN.md §5b; the seed's for the graflow layout).
struct Watched {
  std::string metric;   // graflow_queue_depth, or graflow_queue_load (scaleOn: waiting+in_flight)
  std::string label;    // key_prefix or queue
  std::string value;    // the key prefix or the queue's id
  std::string series;   // as the exporter writes it
  std::string selector; // metric{label="value"}, as Prometheus is asked
};

Watched watched_of(const config::Profile& p) {
  const queues::QueueSpec spec = profile_queue_spec(p);
  Watched w;
  w.metric = p.hpa_metric.name.empty() ? std::string("graflow_queue_depth") : p.hpa_metric.name;
  if (spec.layout == queues::Layout::graflow) {
    w.label = "key_prefix";
    w.value = spec.name;
    w.series = fmt::format("{}{{key_prefix=\"{}\"}}", w.metric, spec.name);
  } else {
    w.label = "queue";
    w.value = spec.id;
    w.series = fmt::format("{}{{queue=\"{}\",layout=\"{}\"}}", w.metric, spec.id, queues::layout_name(spec.layout));
  }
  w.selector = fmt::format("{}{{{}=\"{}\"}}", w.metric, w.label, w.value);
  return w;
}

struct Context {
  const config::Profile& profile;
  const DoctorOptions& options;
  DoctorInputs& in;
  std::string ns;
  std::optional<long long> depth;
  Watched watched;
};

// The classic wrong-key mistake: an empty <prefix>:queue while a framework's queue of that
// name exists. A bounded set of EXISTS probes (never KEYS or SCAN); returns the key found
// and the --queue spec that reads it.
std::optional<std::pair<std::string, std::string>> other_layout(redis::QueueStore& store, const std::string& prefix) {
  const std::vector<std::pair<std::string, std::string>> candidates = {{"bull:" + prefix + ":wait", "bullmq:" + prefix},
                                                                       {"queue:" + prefix, "sidekiq:" + prefix},
                                                                       {"rq:queue:" + prefix, "rq:" + prefix},
                                                                       {prefix, "celery:" + prefix}};
  std::vector<redis::Command> commands = {{"EXISTS", prefix + ":queue"}};
  for (const auto& c : candidates) {
    commands.push_back({"EXISTS", c.first});
  }
  const auto replies = store.pipeline(commands, "looking for queues of other layouts");
  if (replies.size() != commands.size() || !replies[0].is_integer() || replies[0].integer != 0) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (replies[i + 1].is_integer() && replies[i + 1].integer == 1) {
      return candidates[i];
    }
  }
  return std::nullopt;
}

// What a reading of the profile's queue says, for the redis check's line.
std::string reading_text(const queues::Reading& r) {
  if (r.layout == queues::Layout::graflow) {
    return fmt::format("{} holds {} tasks", r.key, *r.waiting);
  }
  std::string text = fmt::format("{} queue {} ({}): {} waiting", queues::layout_name(r.layout), r.id, r.key, *r.waiting);
  if (r.in_flight) {
    text += fmt::format(", {} in flight", *r.in_flight);
  }
  if (r.paused && *r.paused) {
    text += ", paused";
  }
  return text;
}

// A Cluster's nodes for the Redis check: every master PINGed, the ones that do not answer
// named with the reason, and the node holding `key`.
struct ClusterView {
  std::string summary;           // "3 masters, 2 answer"
  std::vector<std::string> down; // "h:p (why)"
  std::string owner;             // the node holding the key
  bool owner_down = false;
};

ClusterView view_cluster(redis::ClusterStore& cluster, const std::string& key) {
  ClusterView v;
  const auto nodes = cluster.check_nodes();
  v.owner = cluster.owner(key);
  std::size_t up = 0;
  for (const auto& n : nodes) {
    if (n.up) {
      ++up;
    } else {
      v.down.push_back(fmt::format("{} ({})", n.endpoint, n.error));
      v.owner_down = v.owner_down || n.endpoint == v.owner;
    }
  }
  v.summary = fmt::format("{} master(s), {} answer", nodes.size(), up);
  return v;
}

constexpr const char* k_node_down_hint =
    "start the node again or promote its replica (CLUSTER FAILOVER on the replica); until then the queues on it are "
    "unknown and the exporter reports graflow_redis_up 0, so the HPA holds its replicas";

// The profile's queue (actions::profile_queue_spec, the one every command reads), read as
// queue depth reads it: a wrong-type key fails the check with the key, both types and a hint.
Check check_redis(Context& c) {
  const queues::QueueSpec spec = profile_queue_spec(c.profile);
  try {
    auto store = c.in.connect_redis();
    const auto reading = queues::read_all(*store, {spec}, c.in.now).at(0);
    const auto tls = store->tls_info();
    // store->endpoint(): for Sentinel, the master it confirmed ("master M at h:p (via sentinels ...)").
    std::string where = fmt::format("Redis {} ({})", store->endpoint(), redis_mode(tls));
    std::optional<ClusterView> cluster;
    if (auto* nodes = dynamic_cast<redis::ClusterStore*>(store.get())) {
      cluster = view_cluster(*nodes, reading.key);
      where = fmt::format("Redis {} ({}; {})", store->endpoint(), cluster->summary, redis_mode(tls));
    }
    if (reading.wrong_type) {
      // The metric cannot be read: the exporter exports no sample and the HPA holds.
      return fail("redis", fmt::format("{}: {}", where, reading.wrong_type->message), reading.wrong_type->hint);
    }
    if (!reading.waiting) {
      if (cluster && (cluster->owner_down || cluster->owner.empty())) {
        // The node holding the queue did not answer (or none serves its slot); the other
        // nodes were still checked.
        const std::string node = cluster->owner.empty() ? "no node" : "node " + cluster->owner;
        return fail("redis",
                    fmt::format("{}: {} holding {} does not answer, so that queue is unknown: {}", where, node,
                                reading.key, reading.waiting_unknown),
                    k_node_down_hint);
      }
      return warn("redis",
                  fmt::format("{}: the number of waiting tasks of queue {} is unknown: {}", where, reading.id,
                              reading.waiting_unknown),
                  "while it is unknown the exporter exports no sample for it and the HPA holds its replicas");
    }
    c.depth = scale_value(reading, c.profile);
    if (spec.layout == queues::Layout::graflow && *reading.waiting == 0) {
      if (auto other = other_layout(*store, spec.name)) {
        return warn("redis",
                    fmt::format("{}: {} does not exist, but {} does: the workers may use another layout", where,
                                reading.key, other->first),
                    fmt::format("name the queue with queue: {} in the profile (or --queue {})", other->second,
                                other->second));
      }
    }
    std::string message = fmt::format("{}: {}", where, reading_text(reading));
    if (cluster) {
      message += fmt::format(" (on node {})", cluster->owner);
      if (!cluster->down.empty()) {
        return warn("redis",
                    fmt::format("{}; node(s) not answering, their queues unknown: {}", message,
                                fmt::join(cluster->down, "; ")),
                    k_node_down_hint);
      }
    }
    if (tls && !tls->verified) {
      return warn("redis", message,
                  "--redis-insecure-skip-tls-verify accepts any certificate: give the server's CA with "
                  "--redis-ca-file instead");
    }
    return ok("redis", message);
  } catch (const Error& e) {
    if (e.code() == Exit::interrupted) {
      throw;
    }
    return fail("redis", e.what(), redis_failure_hint(e.what(), c.in.redis_tls));
  }
}

Check check_exporter_deployment(Context& c) {
  const std::string name = c.profile.exporter.deployment;
  const auto d = c.in.client->get(kube::resource_path("apps/v1", "deployments", c.ns, name));
  if (!d) {
    return fail("exporter-deployment", fmt::format("deployment.apps/{} not found in namespace {}", name, c.ns),
                "graflowctl deploy creates it (the exporter must run in the workers' namespace)");
  }
  const std::string pending = rollout_pending(*d);
  if (!pending.empty()) {
    return fail("exporter-deployment", fmt::format("deployment.apps/{} is not available: {}", name, pending),
                fmt::format("kubectl -n {} describe deployment {}; kubectl -n {} logs deployment/{}", c.ns, name, c.ns,
                            name));
  }
  return ok("exporter-deployment", fmt::format("exporter deployment.apps/{} available", name));
}

Check check_exporter_metrics(Context& c) {
  const std::string& series = c.watched.series;
  const std::string path = fmt::format("/api/v1/namespaces/{}/services/{}:{}/proxy/metrics", c.ns,
                                       c.profile.exporter.deployment, c.profile.exporter.port);
  std::string text;
  try {
    text = c.in.client->raw_get(path);
  } catch (const Error& e) {
    return fail("exporter-metrics", fmt::format("cannot read the exporter's /metrics: {}", e.what()),
                fmt::format("kubectl -n {} get endpoints {}; kubectl -n {} logs deployment/{}", c.ns,
                            c.profile.exporter.deployment, c.ns, c.profile.exporter.deployment));
  }
  if (auto up = sample(text, "graflow_redis_up"); up && *up == 0) {
    return fail("exporter-metrics", "the exporter cannot reach Redis (graflow_redis_up 0): the HPA holds its replicas",
                fmt::format("check redis.host/redis.port of the profile ({}:{}) from inside the cluster",
                            c.profile.redis_host, c.profile.redis_port));
  }
  const auto v = sample(text, series);
  if (!v) {
    return fail("exporter-metrics", fmt::format("the exporter's /metrics has no {}", series),
                c.watched.label == "key_prefix"
                    ? "the exporter's --key-prefix must match the profile's keyPrefix"
                    : "the exporter's --queue must name the profile's queue (graflowctl render shows the flag)");
  }
  return ok("exporter-metrics", fmt::format("exporter /metrics: {} {}", series, number(*v)));
}

Check check_prometheus(Context& c) {
  const std::string& promql = c.watched.selector;
  const std::string query = "/api/v1/query?query=" + url_encode(promql);
  std::string body;
  std::string where;
  try {
    if (!c.options.prometheus_url.empty()) {
      where = c.options.prometheus_url;
      auto http = c.in.http();
      net::HttpRequest req;
      req.url = c.options.prometheus_url + query;
      req.timeout = std::chrono::seconds(5);
      const auto res = http->send(req);
      if (res.status != 200) {
        throw failure(fmt::format("HTTP {}", res.status));
      }
      body = res.body;
    } else {
      const std::string& svc = c.options.prometheus_service;
      const auto slash = svc.find('/');
      if (slash == std::string::npos) {
        throw usage_error(fmt::format("--prometheus-service {}: expected NAMESPACE/NAME:PORT", svc));
      }
      where = "service " + svc;
      body = c.in.client->raw_get(fmt::format("/api/v1/namespaces/{}/services/{}/proxy{}", svc.substr(0, slash),
                                              svc.substr(slash + 1), query));
    }
  } catch (const Error& e) {
    if (e.code() == Exit::usage) {
      throw;
    }
    return fail("prometheus", fmt::format("cannot query Prometheus ({}): {}", where, e.what()),
                "pass --prometheus-url URL, or --prometheus-service NAMESPACE/NAME:PORT");
  }
  try {
    const json doc = json::parse(body);
    const json result = doc.at("data").at("result");
    if (result.empty()) {
      return fail("prometheus", fmt::format("Prometheus ({}) has no {}", where, promql),
                  "make Prometheus scrape the exporter Service (scrape annotations, or exporter.serviceMonitor=true)");
    }
    double max = 0;
    bool namespaced = true;
    for (const auto& r : result) {
      max = std::max(max, std::strtod(r.at("value").at(1).get<std::string>().c_str(), nullptr));
      namespaced = namespaced && r.at("metric").contains("namespace");
    }
    if (!namespaced) {
      return fail("prometheus", fmt::format("{} has no namespace label in Prometheus", promql),
                  "prometheus-adapter needs it: relabel __meta_kubernetes_namespace to namespace in the scrape job");
    }
    return ok("prometheus", fmt::format("Prometheus has {} = {} ({} series)", promql, number(max), result.size()));
  } catch (const json::exception&) {
    return fail("prometheus", fmt::format("Prometheus ({}) answered something that is not a query result", where),
                "is that URL really Prometheus' HTTP API?");
  }
}

Check check_apiservice(Context& c) {
  const std::string name = "v1beta1.external.metrics.k8s.io";
  const auto s = c.in.client->get(kube::resource_path("apiregistration.k8s.io/v1", "apiservices", "", name));
  if (!s) {
    return fail("apiservice", fmt::format("APIService {} not found", name),
                "graflowctl adapter install (the chart creates it when rules.external is set)");
  }
  for (const auto& cond : s->value("status", json::object()).value("conditions", json::array())) {
    if (cond.value("type", "") == "Available") {
      if (cond.value("status", "") == "True") {
        return ok("apiservice", fmt::format("APIService {} Available", name));
      }
      return fail("apiservice",
                  fmt::format("APIService {} not Available: {} {}", name, cond.value("reason", ""), cond.value("message", "")),
                  "kubectl -n monitoring logs deployment/prometheus-adapter");
    }
  }
  return fail("apiservice", fmt::format("APIService {} has no Available condition yet", name),
              "kubectl get apiservice " + name);
}

Check check_external_metric(Context& c) {
  const Watched& w = c.watched;
  const std::string path = fmt::format("/apis/external.metrics.k8s.io/v1beta1/namespaces/{}/{}?labelSelector={}", c.ns,
                                       w.metric, url_encode(w.label + "=" + w.value));
  try {
    const json doc = json::parse(c.in.client->raw_get(path));
    const json items = doc.value("items", json::array());
    if (items.empty()) {
      return fail("external-metric", fmt::format("the external metric {}{{{}={}}} has no value in namespace {}",
                                                 w.metric, w.label, w.value, c.ns),
                  "check the adapter rule (graflowctl adapter values) and that the series has namespace=\"" + c.ns + "\"");
    }
    double total = 0;
    for (const auto& i : items) {
      total += parse_quantity(i.value("value", "0")).value_or(0);
    }
    return ok("external-metric", fmt::format("external metric {}{{{}={}}} in namespace {} = {}", w.metric, w.label,
                                             w.value, c.ns, number(total)));
  } catch (const Error& e) {
    return fail("external-metric", fmt::format("cannot read the external metric: {}", e.what()),
                "kubectl get --raw " + path);
  } catch (const json::exception&) {
    return fail("external-metric", "the external metrics API answered something that is not JSON", "kubectl get --raw " + path);
  }
}

void check_hpa(Context& c, std::vector<Check>& out) {
  const std::string hpa_name = c.profile.worker.hpa;
  const auto hpa = c.in.client->get(kube::resource_path("autoscaling/v2", "horizontalpodautoscalers", c.ns, hpa_name));
  if (!hpa) {
    const auto d = c.in.client->get(kube::resource_path("apps/v1", "deployments", c.ns, c.profile.worker.deployment));
    if (d) {
      if (auto detached = detached_state(*d)) {
        out.push_back(warn("hpa", fmt::format("HPA {} is detached by an emergency scale since {}", hpa_name, detached->since),
                           "graflowctl scale --reattach restores it"));
        return;
      }
    }
    out.push_back(fail("hpa", fmt::format("HPA {} not found in namespace {}", hpa_name, c.ns), "graflowctl deploy creates it"));
    return;
  }
  const json ref = hpa->value("spec", json::object()).value("scaleTargetRef", json::object());
  if (ref.value("apiVersion", "").empty()) {
    out.push_back(fail("hpa", fmt::format("HPA {}: scaleTargetRef has no apiVersion", hpa_name),
                       "the HPA controller cannot find the scale subresource: graflowctl deploy renders apiVersion: apps/v1"));
  } else {
    out.push_back(ok("hpa", fmt::format("HPA {}: scaleTargetRef {} {} {}", hpa_name, ref.value("apiVersion", ""),
                                        ref.value("kind", ""), ref.value("name", ""))));
  }
  const json status = hpa->value("status", json::object());
  std::vector<std::string> bad;
  std::vector<std::string> good;
  for (const char* wanted : {"AbleToScale", "ScalingActive"}) {
    bool found = false;
    for (const auto& cond : status.value("conditions", json::array())) {
      if (cond.value("type", "") == wanted) {
        found = true;
        if (cond.value("status", "") == "True") {
          good.push_back(std::string(wanted) + "=True");
        } else {
          bad.push_back(fmt::format("{}={} ({}: {})", wanted, cond.value("status", ""), cond.value("reason", ""),
                                    cond.value("message", "")));
        }
      }
    }
    if (!found) {
      bad.push_back(std::string(wanted) + " not reported yet");
    }
  }
  if (bad.empty()) {
    out.push_back(ok("hpa-conditions", fmt::format("HPA conditions: {}", fmt::join(good, ", "))));
  } else {
    out.push_back(fail("hpa-conditions", fmt::format("HPA conditions: {}", fmt::join(bad, "; ")),
                       fmt::format("kubectl -n {} describe hpa {}", c.ns, hpa_name)));
  }
  std::optional<double> average;
  for (const auto& m : status.value("currentMetrics", json::array())) {
    if (m.value("type", "") == "External") {
      const json cur = m.value("external", json::object()).value("current", json::object());
      average = parse_quantity(cur.value("averageValue", cur.value("value", "")));
    }
  }
  if (!average) {
    out.push_back(fail("hpa-metric", "the HPA reports no current value for " + c.watched.metric,
                       "the adapter does not serve the metric yet; see the checks above"));
    return;
  }
  const long long replicas = status.value("currentReplicas", 0LL);
  const double seen = *average * static_cast<double>(std::max(replicas, 1LL));
  if (!c.depth) {
    out.push_back(warn("hpa-metric", fmt::format("the HPA sees {} tasks; Redis could not be read to compare", number(seen)),
                       "fix the Redis check above"));
    return;
  }
  const double depth = static_cast<double>(*c.depth);
  const double tolerance = std::max(static_cast<double>(c.profile.average_value), depth * 0.1);
  const std::string message = fmt::format("the HPA sees {} tasks ({} per replica × {}), Redis holds {}", number(seen),
                                          number(*average), replicas, *c.depth);
  if (std::fabs(seen - depth) <= tolerance) {
    out.push_back(ok("hpa-metric", "HPA metric agrees with the queue: " + message));
  } else {
    out.push_back(warn("hpa-metric", "HPA metric differs from the queue: " + message,
                       "a lag of a scrape interval or two is normal; a lasting gap means another queue or a stale series"));
  }
}

} // namespace

std::optional<double> parse_quantity(const std::string& q) {
  if (q.empty()) {
    return std::nullopt;
  }
  char* end = nullptr;
  const double v = std::strtod(q.c_str(), &end);
  if (end == q.c_str()) {
    return std::nullopt;
  }
  const std::string suffix(end);
  static const std::pair<const char*, double> units[] = {
      {"", 1},     {"m", 1e-3}, {"u", 1e-6},       {"n", 1e-9},       {"k", 1e3},        {"M", 1e6},
      {"G", 1e9},  {"T", 1e12}, {"Ki", 1024.0},    {"Mi", 1048576.0}, {"Gi", 1073741824.0}};
  for (const auto& [s, f] : units) {
    if (suffix == s) {
      return v * f;
    }
  }
  return std::nullopt;
}

std::vector<Check> doctor_checks(const config::Profile& profile, const DoctorOptions& options, DoctorInputs& inputs) {
  Context c{profile, options, inputs, profile.namespace_.value_or(inputs.client->namespace_()), std::nullopt,
            watched_of(profile)};
  std::vector<Check> out;
  out.push_back(check_redis(c));
  // Each Kubernetes check stands alone: an API error fails that check, not the doctor.
  auto guarded = [&](const char* name, auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      if (e.code() == Exit::usage) {
        throw;
      }
      out.push_back(fail(name, e.what(), "check --kubeconfig/--context and that the API server is reachable"));
    }
  };
  guarded("exporter-deployment", [&] { out.push_back(check_exporter_deployment(c)); });
  guarded("exporter-metrics", [&] { out.push_back(check_exporter_metrics(c)); });
  guarded("prometheus", [&] { out.push_back(check_prometheus(c)); });
  guarded("apiservice", [&] { out.push_back(check_apiservice(c)); });
  guarded("external-metric", [&] { out.push_back(check_external_metric(c)); });
  guarded("hpa", [&] { check_hpa(c, out); });
  return out;
}

bool print_checks(std::ostream& out, const std::vector<Check>& checks, Format format, bool color) {
  bool ok_all = true;
  for (const auto& ch : checks) {
    ok_all = ok_all && ch.status != CheckStatus::fail;
  }
  if (format != Format::text) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& ch : checks) {
      const char* s = ch.status == CheckStatus::ok ? "ok" : ch.status == CheckStatus::warn ? "warn" : "fail";
      list.push_back({{"name", ch.name}, {"status", s}, {"message", ch.message}, {"hint", ch.hint}});
    }
    write_structured(out, nlohmann::ordered_json{{"ok", ok_all}, {"checks", list}}, format);
    return ok_all;
  }
  for (const auto& ch : checks) {
    const char* mark = ch.status == CheckStatus::ok ? "✓" : ch.status == CheckStatus::warn ? "!" : "✗";
    const char* on = !color ? "" : ch.status == CheckStatus::ok ? "\033[32m" : ch.status == CheckStatus::warn ? "\033[33m" : "\033[31m";
    // Messages quote what servers answered: escaped, so that they cannot drive the terminal.
    out << on << mark << (color ? "\033[0m" : "") << ' ' << printable(ch.message, 500) << '\n';
    if (!ch.hint.empty()) {
      out << "  hint: " << printable(ch.hint, 500) << '\n';
    }
  }
  return ok_all;
}

void run_doctor(const DoctorOptions& options, Services& services, std::ostream& out) {
  auto client = services.kube();
  DoctorInputs in;
  in.client = client.get();
  in.redis_endpoint = services.resolved.redis.endpoint();
  in.redis_tls = services.resolved.redis.tls.enabled;
  in.connect_redis = [&] { return services.connect_redis(); };
  in.now = services.clock.now();
  in.http = [&] { return services.http(net::ClientOptions{}); };
  const auto checks = doctor_checks(services.profile(), options, in);
  if (!print_checks(out, checks, services.resolved.format, services.resolved.color)) {
    throw failure("some checks failed");
  }
}

} // namespace graflow::actions
