#include "graflow/actions/status.hpp"

#include "graflow/actions/resolve.hpp"
#include "graflow/queues/read.hpp"

#include "graflow/actions/scale.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/printable.hpp"
#include "graflow/kube/client.hpp"

#include <ctime>
#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

ojson hpa_view(const json& hpa_or_snapshot) {
  const json spec = hpa_or_snapshot.value("spec", json::object());
  ojson v;
  v["minReplicas"] = spec.value("minReplicas", 1);
  v["maxReplicas"] = spec.value("maxReplicas", 0);
  v["target"] = nullptr;
  for (const auto& m : spec.value("metrics", json::array())) {
    if (m.value("type", "") == "External") {
      const json ext = m.value("external", json::object());
      const json target = ext.value("target", json::object());
      v["metric"] = ext.value("metric", json::object()).value("name", "");
      v["target"] = target.value("averageValue", target.value("value", ""));
      v["targetType"] = target.value("type", "");
    }
  }
  return v;
}

std::string ago(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  std::tm tm{};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return "";
  }
  const long long secs = static_cast<long long>(std::chrono::system_clock::to_time_t(now) - timegm(&tm));
  if (secs < 0) {
    return "";
  }
  if (secs < 120) {
    return fmt::format(" ({}s ago)", secs);
  }
  if (secs < 7200) {
    return fmt::format(" ({}m ago)", secs / 60);
  }
  return fmt::format(" ({}h{}m ago)", secs / 3600, (secs % 3600) / 60);
}

} // namespace

ojson collect_status(kube::Client& client, const config::Profile& profile,
                     const std::function<std::unique_ptr<redis::QueueStore>()>& connect_redis,
                     std::chrono::system_clock::time_point now_for_layouts) {
  const std::string ns = profile.namespace_.value_or(client.namespace_());
  ojson s;
  s["profile"] = profile.name;
  s["namespace"] = ns;
  const auto deployment = client.get(kube::resource_path("apps/v1", "deployments", ns, profile.worker.deployment));
  if (deployment) {
    const json st = deployment->value("status", json::object());
    s["deployment"] = {{"name", profile.worker.deployment},
                       {"replicas", deployment->value("spec", json::object()).value("replicas", 1)},
                       {"readyReplicas", st.value("readyReplicas", 0)},
                       {"availableReplicas", st.value("availableReplicas", 0)},
                       {"updatedReplicas", st.value("updatedReplicas", 0)}};
  } else {
    s["deployment"] = {{"name", profile.worker.deployment}, {"error", "not found"}};
  }
  const auto hpa = client.get(kube::resource_path("autoscaling/v2", "horizontalpodautoscalers", ns, profile.worker.hpa));
  const auto detached = deployment ? detached_state(*deployment) : std::nullopt;
  ojson h = {{"name", profile.worker.hpa}};
  if (hpa) {
    h["attached"] = true;
    h.update(hpa_view(*hpa));
    const json st = hpa->value("status", json::object());
    h["currentMetric"] = nullptr;
    for (const auto& m : st.value("currentMetrics", json::array())) {
      if (m.value("type", "") == "External") {
        const json cur = m.value("external", json::object()).value("current", json::object());
        h["currentMetric"] = cur.value("averageValue", cur.value("value", ""));
      }
    }
    h["currentReplicas"] = st.value("currentReplicas", 0);
    h["desiredReplicas"] = st.value("desiredReplicas", 0);
    ojson conditions = ojson::array();
    for (const auto& c : st.value("conditions", json::array())) {
      conditions.push_back({{"type", c.value("type", "")},
                            {"status", c.value("status", "")},
                            {"reason", c.value("reason", "")},
                            {"message", c.value("message", "")}});
    }
    h["conditions"] = conditions;
    if (detached) {
      h["detachedSince"] = detached->since; // a re-created HPA while the annotation remains
    }
  } else if (detached) {
    h["attached"] = false;
    h["detachedSince"] = detached->since;
    h.update(hpa_view(detached->snapshot));
  } else {
    h["attached"] = false;
    h["error"] = "not found";
  }
  s["hpa"] = h;
  const queues::QueueSpec spec = profile_queue_spec(profile);
  ojson q = {{"key", queues::main_key(spec)}};
  {
    try {
      // The same reading as queue depth (the seed's LLEN for the graflow layout).
      auto store = connect_redis();
      const auto reading = queues::read_all(*store, {spec}, now_for_layouts).at(0);
      if (spec.layout != queues::Layout::graflow) {
        q["queue"] = reading.id;
        q["layout"] = queues::layout_name(reading.layout);
        q["in_flight"] = reading.in_flight ? ojson(*reading.in_flight) : ojson(nullptr);
      }
      if (!reading.waiting) {
        // Unknown (a Cluster node that is down, a stream group's lag): null, never a guess.
        q["depth"] = nullptr;
        q["desired_workers"] = nullptr;
        q["unknown"] = reading.waiting_unknown;
        s["queue"] = q;
        return s;
      }
      const long long depth = *reading.waiting;
      q["depth"] = depth;
      q["desired_workers"] = config::desired_workers(depth, profile);
      q["formula"] = fmt::format("ceil({} / {}) clamped to [{}, {}]", depth, profile.average_value,
                                 profile.min_replicas, profile.max_replicas);
    } catch (const Error& e) {
      q["error"] = e.what();
    }
  }
  s["queue"] = q;
  return s;
}

bool print_status(std::ostream& out, const ojson& s, Format format, std::chrono::system_clock::time_point now) {
  const bool ok = !s["deployment"].contains("error") && !s["hpa"].contains("error") && !s["queue"].contains("error") &&
                  !s["queue"].contains("unknown");
  if (format != Format::text) {
    write_structured(out, s, format);
    return ok;
  }
  out << fmt::format("Profile:     {} (namespace {})\n", s["profile"].get<std::string>(), s["namespace"].get<std::string>());
  const auto& d = s["deployment"];
  if (d.contains("error")) {
    out << fmt::format("Deployment:  {}: not found\n", d["name"].get<std::string>());
  } else {
    out << fmt::format("Deployment:  {}   desired {}   ready {}   available {}\n", d["name"].get<std::string>(),
                       d["replicas"].get<long long>(), d["readyReplicas"].get<long long>(),
                       d["availableReplicas"].get<long long>());
  }
  const auto& h = s["hpa"];
  if (h.contains("error")) {
    out << fmt::format("HPA:         {}: not found\n", h["name"].get<std::string>());
  } else {
    if (!h["attached"].get<bool>()) {
      const std::string since = h["detachedSince"].get<std::string>();
      out << fmt::format("HPA:         {} DETACHED since {}{} by an emergency scale "
                         "(graflowctl scale --reattach restores it)\n",
                         h["name"].get<std::string>(), since, ago(since, now));
      out << fmt::format("             snapshot: min {}   max {}   target {} per worker\n",
                         h["minReplicas"].get<long long>(), h["maxReplicas"].get<long long>(),
                         h["target"].is_string() ? h["target"].get<std::string>() : "?");
    } else {
      out << fmt::format("HPA:         {}   min {}   max {}   target {} per worker ({})\n", h["name"].get<std::string>(),
                         h["minReplicas"].get<long long>(), h["maxReplicas"].get<long long>(),
                         h["target"].is_string() ? h["target"].get<std::string>() : "?",
                         h.value("targetType", std::string("?")));
      out << fmt::format("             metric {}   current replicas {}   desired replicas {}\n",
                         h["currentMetric"].is_string() ? h["currentMetric"].get<std::string>() : "<unknown>",
                         h["currentReplicas"].get<long long>(), h["desiredReplicas"].get<long long>());
      // The API server's words, escaped: they cannot drive the terminal.
      for (const auto& c : h["conditions"]) {
        out << fmt::format("             {}={} {}: {}\n", printable(c["type"].get<std::string>(), 60),
                           printable(c["status"].get<std::string>(), 20), printable(c["reason"].get<std::string>(), 80),
                           printable(c["message"].get<std::string>(), 300));
      }
      if (h.contains("detachedSince")) {
        out << "             warning: the Deployment still carries a detached-HPA annotation (graflowctl scale "
               "--reattach clears it)\n";
      }
    }
  }
  const auto& q = s["queue"];
  if (q.contains("error")) {
    out << fmt::format("Queue:       {}: {}\n", q["key"].get<std::string>(), q["error"].get<std::string>());
  } else if (q.contains("unknown")) {
    out << fmt::format("Queue:       {} depth unknown ({})\n", q["key"].get<std::string>(),
                       printable(q["unknown"].get<std::string>(), 300));
  } else {
    out << fmt::format("Queue:       {} depth {}   {} = {} workers\n", q["key"].get<std::string>(),
                       q["depth"].get<long long>(), q["formula"].get<std::string>(),
                       q["desired_workers"].get<long long>());
  }
  return ok;
}

void run_status(Services& services, std::ostream& out) {
  auto client = services.kube();
  const auto status = collect_status(*client, services.profile(), [&] { return services.connect_redis(); },
                                     services.clock.now());
  if (!print_status(out, status, services.resolved.format, services.clock.now())) {
    throw failure("some parts of the pipeline are missing or unreachable (see above)");
  }
}

} // namespace graflow::actions
