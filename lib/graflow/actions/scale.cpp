#include "graflow/actions/scale.hpp"

#include "graflow/actions/snapshot_store.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/core/time.hpp"
#include "graflow/kube/client.hpp"

#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {
namespace {

using json = nlohmann::json;

struct Names {
  std::string ns;
  std::string deployment_path;
  std::string hpa_path;
  std::string hpa_display;
  std::string deployment_display;
};

Names names_of(const kube::Client& client, const config::Profile& profile) {
  Names n;
  n.ns = profile.namespace_.value_or(client.namespace_());
  n.deployment_path = kube::resource_path("apps/v1", "deployments", n.ns, profile.worker.deployment);
  n.hpa_path = kube::resource_path("autoscaling/v2", "horizontalpodautoscalers", n.ns, profile.worker.hpa);
  n.hpa_display = "horizontalpodautoscaler.autoscaling/" + profile.worker.hpa;
  n.deployment_display = "deployment.apps/" + profile.worker.deployment;
  return n;
}

void detach(kube::Client& client, const config::Profile& profile, const Names& n, const ScaleOptions& options,
            Clock& clock, std::ostream& out) {
  for (int attempt = 0;; ++attempt) {
    const auto deployment = client.get(n.deployment_path);
    if (!deployment) {
      throw failure(fmt::format("{} not found in namespace {}: nothing to scale", n.deployment_display, n.ns));
    }
    const auto hpa = client.get(n.hpa_path);
    if (!hpa) {
      if (auto d = detached_state(*deployment)) {
        out << fmt::format("{} already detached since {}\n", n.hpa_display, d->since);
        return;
      }
      throw failure(fmt::format("{} not found in namespace {}, and {} holds no detached snapshot: nothing to detach "
                                "(graflowctl deploy creates it)",
                                n.hpa_display, n.ns, n.deployment_display));
    }
    const json snapshot = hpa_snapshot(*hpa);
    const auto now = clock.now();
    const std::string since = time::format_rfc3339(now);
    // Both copies of the snapshot exist before anything is deleted.
    const auto backup = SnapshotStore(options.backup_dir)
                            .save(n.ns, profile.worker.hpa, client.config().server, snapshot, since, now);
    client.patch_merge(n.deployment_path, {{"metadata",
                                            {{"annotations",
                                              {{k_detached_hpa_annotation, snapshot.dump()},
                                               {k_detached_at_annotation, since}}}}}});
    out << fmt::format("{} snapshot saved (annotation {} on {}, backup {})\n", n.hpa_display,
                       k_detached_hpa_annotation, n.deployment_display, backup.string());
    const auto& meta = (*hpa)["metadata"];
    try {
      client.remove(n.hpa_path, kube::Preconditions{meta.value("uid", ""), meta.value("resourceVersion", "")});
      out << fmt::format("{} deleted (detached)\n", n.hpa_display);
      return;
    } catch (const kube::ApiError& e) {
      if (e.status() != 409 || attempt >= 2) {
        throw;
      }
      out << fmt::format("{} changed since the snapshot; taking a new one\n", n.hpa_display);
    }
  }
}

} // namespace

json hpa_snapshot(const json& hpa) {
  const json& meta = hpa.at("metadata");
  json m = {{"name", meta.at("name")}};
  for (const char* key : {"namespace", "labels", "annotations"}) {
    if (meta.contains(key) && !meta[key].is_null()) {
      m[key] = meta[key];
    }
  }
  return {{"apiVersion", hpa.value("apiVersion", "autoscaling/v2")},
          {"kind", "HorizontalPodAutoscaler"},
          {"metadata", m},
          {"spec", hpa.value("spec", json::object())}};
}

std::optional<Detached> detached_state(const json& deployment) {
  const auto meta = deployment.value("metadata", json::object());
  const auto annotations = meta.value("annotations", json::object());
  if (!annotations.contains(k_detached_hpa_annotation)) {
    return std::nullopt;
  }
  Detached d;
  d.since = annotations.value(k_detached_at_annotation, "an unknown time");
  try {
    d.snapshot = json::parse(annotations[k_detached_hpa_annotation].get<std::string>());
  } catch (const json::exception&) {
    throw failure(fmt::format("the annotation {} on deployment.apps/{} is not a valid HPA snapshot",
                              k_detached_hpa_annotation, meta.value("name", "?")));
  }
  return d;
}

void run_scale(const ScaleOptions& options, Services& services, std::ostream& out) {
  if (options.emergency.has_value() == options.reattach) {
    throw usage_error("scale needs exactly one of --emergency N or --reattach");
  }
  if (options.reattach && (options.hold || options.wait)) {
    throw usage_error("--hold and --wait go with --emergency, not --reattach");
  }
  ScaleOptions o = options;
  if (o.backup_dir.empty()) {
    o.backup_dir = default_backup_dir(services.env);
  }
  o.wait_options.terminal = services.terminal;
  const config::Profile& profile = services.profile();
  auto client = services.kube();
  if (o.reattach) {
    reattach(*client, profile, o, out);
    return;
  }
  const SignalWatcher signals;
  emergency_scale(*client, profile, *o.emergency, o, services.clock, signals, out);
}

void emergency_scale(kube::Client& client, const config::Profile& profile, long long replicas,
                     const ScaleOptions& options, Clock& clock, const SignalWatcher& signals, std::ostream& out) {
  const Names n = names_of(client, profile);
  if (replicas > profile.max_replicas) {
    out << fmt::format("note: {} replicas is above the profile's maxReplicas ({}); allowed in an emergency\n", replicas,
                       profile.max_replicas);
  }
  detach(client, profile, n, options, clock, out);
  const auto scale = client.set_scale(n.ns, profile.worker.deployment, replicas);
  out << fmt::format("{} scaled to {} replicas\n", n.deployment_display, scale.replicas) << std::flush;

  try {
    if (options.wait) {
      wait_for_deployments(client, {{n.ns, profile.worker.deployment}}, options.wait_options, clock, signals, out);
    }
  } catch (const Error& e) {
    if (e.code() == Exit::interrupted && options.hold) {
      reattach(client, profile, options, out);
    }
    throw;
  }
  if (!options.hold) {
    out << "the HPA stays detached until: graflowctl scale --reattach\n";
    return;
  }
  out << fmt::format("holding for {} (Ctrl-C reattaches now)\n", format_duration(*options.hold)) << std::flush;
  const bool held = signals.sleep_for(*options.hold);
  reattach(client, profile, options, out);
  if (!held) {
    throw interrupted("interrupted: the HPA was reattached first");
  }
}

void reattach(kube::Client& client, const config::Profile& profile, const ScaleOptions& options, std::ostream& out) {
  const Names n = names_of(client, profile);
  const auto deployment = client.get(n.deployment_path);
  std::optional<Detached> detached = deployment ? detached_state(*deployment) : std::nullopt;
  std::string source = fmt::format("the annotation on {}", n.deployment_display);
  if (!detached) {
    if (auto backup = SnapshotStore(options.backup_dir).newest(n.ns, profile.worker.hpa, client.config().server)) {
      detached = Detached{backup->second.value("detachedAt", "an unknown time"), backup->second["snapshot"]};
      source = "the local backup " + backup->first.string();
    }
  }
  const auto hpa = client.get(n.hpa_path);
  if (!detached) {
    if (hpa) {
      out << fmt::format("{} is attached: nothing to reattach\n", n.hpa_display);
      return;
    }
    throw failure(fmt::format("{} is missing and there is no snapshot of it: no annotation {} on {} and no local "
                              "backup in {}",
                              n.hpa_display, k_detached_hpa_annotation, n.deployment_display,
                              options.backup_dir.string()));
  }
  bool exists = hpa.has_value();
  if (!exists) {
    json body = detached->snapshot;
    body["metadata"]["namespace"] = n.ns;
    try {
      client.create(kube::resource_path("autoscaling/v2", "horizontalpodautoscalers", n.ns), body);
      out << fmt::format("{} created from {} (detached since {})\n", n.hpa_display, source, detached->since);
    } catch (const kube::ApiError& e) {
      // Only AlreadyExists means it is there (say, created by a try whose answer was lost);
      // any other 409 leaves it missing, and the snapshot must stay.
      if (e.status() != 409 || e.reason() != "AlreadyExists") {
        throw;
      }
      exists = true;
    }
  }
  if (exists) {
    const auto current = client.get(n.hpa_path);
    if (!current) {
      throw failure(fmt::format("{} vanished while being reattached; the snapshot is kept: run graflowctl scale "
                                "--reattach again",
                                n.hpa_display));
    }
    if (hpa_snapshot(*current)["spec"] == detached->snapshot["spec"]) {
      out << fmt::format("{} is back with the snapshot's spec\n", n.hpa_display);
    } else {
      out << fmt::format("warning: {} exists with a spec that differs from the snapshot; keeping it\n",
                         n.hpa_display);
    }
  }
  if (deployment && detached_state(*deployment)) {
    client.patch_merge(n.deployment_path,
                       {{"metadata", {{"annotations", {{k_detached_hpa_annotation, nullptr}, {k_detached_at_annotation, nullptr}}}}}});
    out << fmt::format("{}: detached annotation cleared; the HPA owns the replica count again\n", n.deployment_display);
  }
  SnapshotStore(options.backup_dir).mark_reattached(n.ns, profile.worker.hpa);
}

} // namespace graflow::actions
