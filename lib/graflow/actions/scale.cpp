#include "graflow/actions/scale.hpp"

#include "graflow/actions/snapshot_store.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/core/time.hpp"
#include "graflow/kube/client.hpp"

#include <fmt/format.h>
#include <ios>
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

// How far an emergency scale got, for what an error must add: what is left on the cluster.
enum class Stage {
  untouched,   // nothing written to the cluster
  annotated,   // the snapshot annotation may be on the Deployment; the HPA is there
  delete_sent, // the DELETE was sent and its answer lost: the HPA may be gone
  detached,    // the HPA is deleted
};

// Shell-quotes `arg` when it holds anything a shell would read.
std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789_./:=@%+,-") == std::string::npos;
  if (plain) {
    return arg;
  }
  std::string q = "'";
  for (const char c : arg) {
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return q + "'";
}

// A reattach with no snapshot anywhere: a restore hint ("scale --reattach") cannot help, so
// this error goes out as it is, saying what can.
class NoSnapshot final : public Error {
public:
  explicit NoSnapshot(const std::string& message) : Error(Exit::failure, message) {}
};

// What to add to an error that ends the command at `stage`; empty when nothing is left.
std::string left_behind(Stage stage, const Names& n, const std::string& restore) {
  switch (stage) {
  case Stage::untouched:
    return "";
  case Stage::annotated:
    return fmt::format("{} was not deleted, but {} may carry its snapshot annotation: clear it with: {}",
                       n.hpa_display, n.deployment_display, restore);
  case Stage::delete_sent:
    return fmt::format("{} may be detached: restore it with: {}", n.hpa_display, restore);
  case Stage::detached:
    return fmt::format("{} is still detached: restore it with: {}", n.hpa_display, restore);
  }
  return "";
}

// The exception being handled, as an exit code and one line; a lost write to `out` reads as
// one ("writing to stdout: ...").
struct Caught {
  Exit code = Exit::failure;
  std::string what;
};
Caught caught(std::ostream& out) {
  try {
    throw;
  } catch (const Error& e) {
    return {e.code(), e.what()};
  } catch (const std::exception& e) {
    return {Exit::failure, out.bad() ? write_failure(out, "stdout") : std::string(e.what())};
  }
}

// The caught error with `note` appended: same exit code, one line.
[[noreturn]] void fail_with(const Caught& c, const std::string& note) {
  throw Error(c.code, note.empty() ? c.what : fmt::format("{}; {}", c.what, note));
}

// Throws when a write to `out` failed since the last check (after flushing it).
void check_out(std::ostream& out) {
  out.flush();
  if (out.bad()) {
    throw failure(write_failure(out, "stdout"));
  }
}

// Until destroyed, failed writes to `out` do not throw: a lost progress line must not stop
// a cluster operation half-way. check_out() at each step boundary ends the command instead.
class QuietWrites {
public:
  explicit QuietWrites(std::ostream& out) : out_(out), mask_(out.exceptions()) { out_.exceptions(std::ios::goodbit); }
  ~QuietWrites() {
    if (!out_.bad()) {
      out_.exceptions(mask_);
    }
  }
  QuietWrites(const QuietWrites&) = delete;
  QuietWrites& operator=(const QuietWrites&) = delete;

private:
  std::ostream& out_;
  std::ios::iostate mask_;
};

void detach(kube::Client& client, const config::Profile& profile, const Names& n, const ScaleOptions& options,
            Clock& clock, std::ostream& out, Stage& stage) {
  for (int attempt = 0;; ++attempt) {
    const auto deployment = client.get(n.deployment_path);
    if (!deployment) {
      throw failure(fmt::format("{} not found in namespace {}: nothing to scale", n.deployment_display, n.ns));
    }
    const auto hpa = client.get(n.hpa_path);
    if (!hpa) {
      if (auto d = detached_state(*deployment)) {
        stage = Stage::detached;
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
    const Stage before = stage;
    try {
      stage = Stage::annotated;
      client.patch_merge(n.deployment_path, {{"metadata",
                                              {{"annotations",
                                                {{k_detached_hpa_annotation, snapshot.dump()},
                                                 {k_detached_at_annotation, since}}}}}});
    } catch (const kube::ApiError&) {
      stage = before; // the server refused it: nothing was written
      throw;
    }
    out << fmt::format("{} snapshot saved (annotation {} on {}, backup {})\n", n.hpa_display,
                       k_detached_hpa_annotation, n.deployment_display, backup.string());
    check_out(out); // a lost line ends the command before the HPA is deleted
    const auto& meta = (*hpa)["metadata"];
    try {
      stage = Stage::delete_sent;
      client.remove(n.hpa_path, kube::Preconditions{meta.value("uid", ""), meta.value("resourceVersion", "")});
      stage = Stage::detached;
      out << fmt::format("{} deleted (detached)\n", n.hpa_display);
      return;
    } catch (const kube::ApiError& e) {
      stage = Stage::annotated; // the server answered: the HPA is still there
      if (e.status() != 409 || attempt >= 2) {
        throw;
      }
      out << fmt::format("{} changed since the snapshot; taking a new one\n", n.hpa_display);
    }
  }
}

// reattach() that reports how far it got: `back` turns true once the HPA exists again.
void reattach_steps(kube::Client& client, const config::Profile& profile, const ScaleOptions& options,
                    std::ostream& out, bool& back);

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

void check_replicas(long long replicas) {
  if (replicas < 0 || replicas > k_max_replicas) {
    throw usage_error(fmt::format("--emergency must be a whole number from 0 to {} (the API's limit), got {}",
                                  k_max_replicas, replicas));
  }
}

std::string restore_command(const ScaleOptions& options, const std::string& ns) {
  std::string cmd = "graflowctl";
  for (const auto& a : options.global_args) {
    cmd += " " + shell_quote(a);
  }
  cmd += " -n " + shell_quote(ns) + " scale --reattach";
  for (const auto& a : options.scale_args) {
    cmd += " " + shell_quote(a);
  }
  return cmd;
}

void run_scale(const ScaleOptions& options, Services& services, std::ostream& out) {
  if (options.emergency.has_value() == options.reattach) {
    throw usage_error("scale needs exactly one of --emergency N or --reattach");
  }
  if (options.reattach && (options.hold || options.wait)) {
    throw usage_error("--hold and --wait go with --emergency, not --reattach");
  }
  if (options.emergency) {
    check_replicas(*options.emergency);
  }
  if (options.hold && options.hold->count() <= 0) {
    throw usage_error("--hold must be greater than zero");
  }
  if (options.wait && options.wait_options.timeout.count() <= 0) {
    throw usage_error("--timeout must be greater than zero");
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
  check_replicas(replicas);
  const Names n = names_of(client, profile);
  const std::string restore = restore_command(options, n.ns);
  const QuietWrites quiet(out);
  if (replicas > profile.max_replicas) {
    out << fmt::format("note: {} replicas is above the profile's maxReplicas ({}); allowed in an emergency\n", replicas,
                       profile.max_replicas);
  }
  // Said, and known to be seen, before the first change: stdout on a full disk or closed
  // ends the command here, with nothing detached.
  out << fmt::format("{}: detaching {} and scaling to {} replicas\n", n.deployment_display, n.hpa_display, replicas);
  check_out(out);

  Stage stage = Stage::untouched;
  std::optional<std::string> wait_failed;
  try {
    detach(client, profile, n, options, clock, out, stage);
    check_out(out);
    const auto scale = client.set_scale(n.ns, profile.worker.deployment, replicas);
    out << fmt::format("{} scaled to {} replicas\n", n.deployment_display, scale.replicas);
    check_out(out);
    if (options.wait) {
      try {
        wait_for_deployments(client, {{n.ns, profile.worker.deployment}}, options.wait_options, clock, signals, out);
      } catch (const Error& e) {
        // Out of capacity is exactly when people scale in an emergency: the replicas stay
        // asked for, and the hold still runs and reattaches.
        if (e.code() != Exit::failure || !options.hold || out.bad()) {
          throw;
        }
        wait_failed = e.what();
        out << fmt::format("warning: {}; holding anyway, then reattaching\n", e.what());
      }
      check_out(out);
    }
  } catch (...) {
    const Caught first = caught(out);
    // Ended before the hold. With --hold, or when nothing was deleted, the HPA is put back
    // at once (reattach_steps only clears the annotation when the HPA is still there);
    // without --hold a deleted HPA stays detached, and the error says how to restore it.
    if (stage == Stage::untouched || (stage != Stage::annotated && !options.hold)) {
      fail_with(first, left_behind(stage, n, restore));
    }
    try {
      bool back = false;
      reattach_steps(client, profile, options, out, back);
    } catch (...) {
      fail_with(first, fmt::format("putting it back failed too: {}; {}", caught(out).what, left_behind(stage, n, restore)));
    }
    fail_with(first, stage == Stage::annotated ? std::string("nothing was detached")
                                               : fmt::format("{} was reattached", n.hpa_display));
  }
  if (!options.hold) {
    out << fmt::format("{} stays detached until: {}\n", n.hpa_display, restore);
    out.flush();
    if (out.bad()) {
      throw failure(fmt::format("{}; {}", write_failure(out, "stdout"), left_behind(Stage::detached, n, restore)));
    }
    return;
  }
  out << fmt::format("holding for {} (Ctrl-C reattaches now)\n", format_duration(*options.hold));
  out.flush();
  // A lost line ends the hold at once: the command must not run on unseen.
  if (!out.bad()) {
    signals.sleep_for(*options.hold);
  }
  bool back = false;
  try {
    reattach_steps(client, profile, options, out, back);
  } catch (...) {
    fail_with(caught(out), back ? "" : left_behind(Stage::detached, n, restore));
  }
  out.flush();
  if (signals.received() != 0) {
    throw interrupted(fmt::format("interrupted: {} was reattached first", n.hpa_display));
  }
  if (out.bad()) {
    throw failure(fmt::format("{}; {} was reattached", write_failure(out, "stdout"), n.hpa_display));
  }
  if (wait_failed) {
    throw failure(fmt::format("{} (the hold ran its course and {} was reattached)", *wait_failed, n.hpa_display));
  }
}

void reattach(kube::Client& client, const config::Profile& profile, const ScaleOptions& options, std::ostream& out) {
  const Names n = names_of(client, profile);
  const QuietWrites quiet(out);
  bool back = false;
  try {
    reattach_steps(client, profile, options, out, back);
  } catch (const NoSnapshot&) {
    throw;
  } catch (...) {
    // Before the HPA exists again, a failed reattach leaves it detached: say so.
    fail_with(caught(out), back ? "" : left_behind(Stage::detached, n, restore_command(options, n.ns)));
  }
  check_out(out);
}

namespace {

void reattach_steps(kube::Client& client, const config::Profile& profile, const ScaleOptions& options,
                    std::ostream& out, bool& back) {
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
  back = hpa.has_value();
  if (!detached) {
    if (hpa) {
      out << fmt::format("{} is attached: nothing to reattach\n", n.hpa_display);
      return;
    }
    throw NoSnapshot(fmt::format("{} is missing and there is no snapshot of it: no annotation {} on {} and no local "
                                 "backup in {}; nothing can be reattached: graflowctl deploy re-creates it from the "
                                 "profile",
                                 n.hpa_display, k_detached_hpa_annotation, n.deployment_display,
                                 options.backup_dir.string()));
  }
  bool exists = hpa.has_value();
  if (!exists) {
    json body = detached->snapshot;
    body["metadata"]["namespace"] = n.ns;
    try {
      client.create(kube::resource_path("autoscaling/v2", "horizontalpodautoscalers", n.ns), body);
      back = true;
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
      back = false;
      throw failure(fmt::format("{} vanished while being reattached; the snapshot is kept", n.hpa_display));
    }
    back = true;
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

} // namespace

} // namespace graflow::actions
