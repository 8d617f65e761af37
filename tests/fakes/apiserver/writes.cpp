// Create, replace, patch (incl. server-side apply) and delete, for resources and their
// status and scale subresources.
#include "api.hpp"
#include "managed_fields.hpp"
#include "presenter.hpp"
#include "request_input.hpp"
#include "validation.hpp"
#include "yaml_json.hpp"

#include <algorithm>
#include <random>

namespace fake {

using nlohmann::json;

namespace {

Actor actor_for(const Call& call, const WriteOptions& opts) {
  return {opts.manager, call.res.api_version(), call.subresource, now_rfc3339()};
}

Entry& live_or_404(ServerState& st, const Call& call) {
  Entry* live = st.store.find(call.res, call.ns, call.name);
  if (live == nullptr) {
    throw not_found(call.res, call.name);
  }
  return *live;
}

std::string rv_of(const json& obj) {
  const json meta = obj.value("metadata", json::object());
  const json rv = meta.value("resourceVersion", json(""));
  return rv.is_string() ? rv.get<std::string>() : rv.dump();
}

// Shapes `obj` into a storable object: identity and system metadata, status kept from the
// live object for the main resource, defaults, validation.
void prepare(const Call& call, json& obj, const Entry* live, Scope scope) {
  obj["apiVersion"] = call.res.api_version();
  obj["kind"] = call.res.kind;
  json& meta = obj["metadata"];
  if (!meta.is_object()) {
    meta = json::object();
  }
  meta["name"] = call.name;
  if (call.res.namespaced) {
    meta["namespace"] = call.ns;
  } else {
    meta.erase("namespace");
  }
  for (const char* key : {"managedFields", "resourceVersion", "selfLink", "uid", "generation", "creationTimestamp",
                          "deletionTimestamp", "generateName"}) {
    meta.erase(key);
  }
  if (live != nullptr) {
    for (const char* key : {"uid", "generation", "creationTimestamp", "generateName"}) {
      if (live->object["metadata"].contains(key)) {
        meta[key] = live->object["metadata"][key];
      }
    }
  }
  if (call.res.has_status && scope == Scope::Main) {
    if (live != nullptr && live->object.contains("status")) {
      obj["status"] = live->object["status"];
    } else {
      obj.erase("status");
    }
  }
  apply_defaults(call.res, obj, live != nullptr ? &live->object : nullptr);
  validate_object(call.res, obj);
}

json spec_part(const ResourceInfo& res, const json& obj) {
  if (!res.crd) {
    return obj.value("spec", json());
  }
  json copy = obj;
  copy.erase("metadata");
  copy.erase("status");
  return copy;
}

bool same_owners(const ManagedFields& a, const ManagedFields& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.manager == y.manager && x.operation == y.operation && x.api_version == y.api_version &&
           x.subresource == y.subresource && x.fields == y.fields;
  });
}

// Stores the new version (unless dry-run) with the bookkeeping every write does: uid,
// creationTimestamp, generation, resourceVersion. Unchanged objects are not rewritten.
// The caller holds the store lock.
Reply finish(ServerState& st, const Call& call, const Entry* live, json obj, ManagedFields managed, bool dry_run,
             int code) {
  const ResourceInfo& res = call.res;
  json& meta = obj["metadata"];
  Entry next;
  next.managed = std::move(managed);
  const auto now = std::chrono::steady_clock::now();
  if (live != nullptr) {
    next.spec_changed_at = live->spec_changed_at;
    next.spec_changed_time = live->spec_changed_time;
    next.ready_before = live->ready_before;
    next.controlled = live->controlled;
    meta["resourceVersion"] = live->object["metadata"]["resourceVersion"];
    if (spec_part(res, obj) != spec_part(res, live->object)) {
      if (res.has_generation) {
        meta["generation"] = live->object["metadata"].value("generation", 1) + 1;
      }
      next.spec_changed_at = now;
      next.spec_changed_time = now_rfc3339();
      next.ready_before = res.plural == "deployments" ? ready_replicas(*live, st.config.ready_delay) : 0;
      next.controlled = true;
    }
    if (obj == live->object && same_owners(next.managed, live->managed)) {
      next.object = live->object;
      next.managed = live->managed;
      const json presented = present(res, next);
      return json_reply(code, call.subresource == "scale" ? scale_of(presented) : presented);
    }
  } else {
    meta["uid"] = new_uid();
    meta["creationTimestamp"] = now_rfc3339();
    if (res.has_generation) {
      meta["generation"] = 1;
    }
    next.spec_changed_at = now;
    next.spec_changed_time = meta["creationTimestamp"];
  }
  if (!dry_run) {
    meta["resourceVersion"] = st.store.next_resource_version();
  }
  next.object = std::move(obj);
  if (res.plural == "deployments" && next.controlled) {
    next.object["status"] = deployment_status(next, st.config.ready_delay);
  }
  const json presented = present(res, next);
  if (!dry_run) {
    st.store.put(res, call.ns, call.name, std::move(next));
    st.store.record(res, call.ns, live != nullptr ? "MODIFIED" : "ADDED", presented);
  }
  return json_reply(code, call.subresource == "scale" ? scale_of(presented) : presented);
}

std::string random_suffix() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (int i = 0; i < 5; ++i) {
    out += alphabet[rng() % alphabet.size()];
  }
  return out;
}

std::int64_t scale_replicas(const Call& call, const json& scale) {
  const json spec = scale.value("spec", json::object());
  if (spec.contains("replicas") && !spec["replicas"].is_number_integer()) {
    throw bad_request("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal " +
                      std::string(spec["replicas"].type_name()) +
                      " into Go struct field ScaleSpec.spec.replicas of type int32");
  }
  const std::int64_t replicas = spec.value("replicas", 0);
  if (replicas < 0) {
    throw invalid("autoscaling", "Scale", call.name,
                  {field_invalid("spec.replicas", std::to_string(replicas), "must be greater than or equal to 0")});
  }
  return replicas;
}

// Writes spec.replicas through the scale subresource, as an Update owning .spec.replicas.
Reply write_scale(ServerState& st, const Call& call, Entry& live, std::int64_t replicas, const WriteOptions& opts) {
  json obj = live.object;
  obj["spec"]["replicas"] = replicas;
  prepare(call, obj, &live, Scope::Main);
  ManagedFields managed = live.managed;
  record_update(managed, live.object, obj, actor_for(call, opts), Scope::Main);
  return finish(st, call, &live, std::move(obj), std::move(managed), opts.dry_run, 200);
}

Reply apply_object(ServerState& st, const Call& call) {
  const WriteOptions opts = write_options(call.http, "PatchOptions", true);
  json applied;
  try {
    applied = yaml_to_json(call.http.body);
  } catch (const std::exception& e) {
    throw bad_request(std::string("error decoding YAML: ") + e.what());
  }
  if (!applied.is_object()) {
    throw bad_request("error decoding YAML: the applied configuration is not an object");
  }
  if (!applied.contains("metadata") || !applied["metadata"].is_object()) {
    applied["metadata"] = json::object();
  }
  const bool scale = call.subresource == "scale";
  const std::string kind = scale ? "Scale" : call.res.kind;
  const std::string api_version = scale ? "autoscaling/v1" : call.res.api_version();
  if (!applied.contains("apiVersion") || !applied.contains("kind")) {
    throw bad_request("invalid object type: " + applied.value("apiVersion", "") +
                      ", Kind=" + applied.value("kind", ""));
  }
  check_identity(call, applied, kind, api_version);
  check_name(call, applied);

  auto lock = st.store.lock();
  Entry* live = st.store.find(call.res, call.ns, call.name);
  if (live == nullptr && !call.subresource.empty()) {
    throw not_found(call.res, call.name);
  }
  const std::string rv = rv_of(applied);
  if (!rv.empty() && (live == nullptr || rv != rv_of(live->object))) {
    throw conflict_modified(call.res, call.name);
  }
  const Scope scope = call.subresource == "status" ? Scope::Status : Scope::Main;
  json fields = applied;
  if (scale) {
    fields = {{"spec", {{"replicas", scale_replicas(call, applied)}}}};
  }
  ManagedFields managed = live != nullptr ? live->managed : ManagedFields{};
  json merged = apply_config(live != nullptr ? live->object : json::object(), fields, managed, actor_for(call, opts),
                             opts.force, scope);
  prepare(call, merged, live, scope);
  return finish(st, call, live, std::move(merged), std::move(managed), opts.dry_run, live != nullptr ? 200 : 201);
}

} // namespace

Reply create_object(ServerState& st, const Call& call) {
  const WriteOptions opts = write_options(call.http, "CreateOptions", false);
  json body = parse_body(call);
  check_identity(call, body, call.res.kind, call.res.api_version());
  std::string name = body["metadata"].value("name", "");
  if (name.empty() && !body["metadata"].value("generateName", "").empty()) {
    name = body["metadata"].value("generateName", "") + random_suffix();
  }
  const Call named{call.http, call.user, call.res, call.ns, name, "", ""};
  auto lock = st.store.lock();
  if (!name.empty() && st.store.find(call.res, call.ns, name) != nullptr) {
    throw already_exists(call.res, name);
  }
  if (name.empty()) {
    throw invalid(call.res, "", {field_required("metadata.name", "name or generateName is required")});
  }
  prepare(named, body, nullptr, Scope::Main);
  ManagedFields managed;
  record_update(managed, json::object(), body, actor_for(named, opts), Scope::Main);
  return finish(st, named, nullptr, std::move(body), std::move(managed), opts.dry_run, 201);
}

Reply replace_object(ServerState& st, const Call& call) {
  const WriteOptions opts = write_options(call.http, "UpdateOptions", false);
  json body = parse_body(call);
  const bool scale = call.subresource == "scale";
  check_identity(call, body, scale ? "Scale" : call.res.kind, scale ? "autoscaling/v1" : call.res.api_version());
  check_name(call, body);
  auto lock = st.store.lock();
  Entry& live = live_or_404(st, call);
  const std::string rv = rv_of(body);
  if (!rv.empty() && rv != rv_of(live.object)) {
    throw conflict_modified(call.res, call.name);
  }
  const std::string uid = body["metadata"].value("uid", "");
  const std::string live_uid = live.object["metadata"].value("uid", "");
  if (!uid.empty() && uid != live_uid) {
    throw precondition_failed(call.res, call.ns, call.name,
                              "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + live_uid);
  }
  if (scale) {
    return write_scale(st, call, live, scale_replicas(call, body), opts);
  }
  const Scope scope = call.subresource == "status" ? Scope::Status : Scope::Main;
  json obj = body;
  if (scope == Scope::Status) {
    obj = live.object;
    obj["status"] = body.value("status", json::object());
  }
  prepare(call, obj, &live, scope);
  ManagedFields managed = live.managed;
  record_update(managed, live.object, obj, actor_for(call, opts), scope);
  return finish(st, call, &live, std::move(obj), std::move(managed), opts.dry_run, 200);
}

Reply patch_object(ServerState& st, const Call& call) {
  const std::string type = media_type(call.http);
  std::vector<std::string> accepted = {json_patch_type, merge_type};
  if (!call.res.crd) {
    accepted.push_back(strategic_type);
  }
  accepted.push_back(apply_type);
  if (std::find(accepted.begin(), accepted.end(), type) == accepted.end()) {
    throw unsupported_media_type(accepted);
  }
  if (type == apply_type) {
    return apply_object(st, call);
  }
  const WriteOptions opts = write_options(call.http, "PatchOptions", false);
  auto lock = st.store.lock();
  Entry& live = live_or_404(st, call);
  reconcile(call.res, live, st.config.ready_delay, st.store);
  const json presented = present(call.res, live);
  const bool scale = call.subresource == "scale";
  json patched = apply_patch(type, scale ? scale_of(presented) : presented, call.http.body);
  if (!patched.is_object()) {
    throw bad_request("the patched object is not an object");
  }
  const std::string rv = rv_of(patched);
  if (!rv.empty() && rv != rv_of(live.object)) {
    throw conflict_modified(call.res, call.name);
  }
  if (scale) {
    return write_scale(st, call, live, scale_replicas(call, patched), opts);
  }
  const Scope scope = call.subresource == "status" ? Scope::Status : Scope::Main;
  json obj = patched;
  if (scope == Scope::Status) {
    obj = live.object;
    obj["status"] = patched.value("status", json::object());
  }
  prepare(call, obj, &live, scope);
  ManagedFields managed = live.managed;
  record_update(managed, live.object, obj, actor_for(call, opts), scope);
  return finish(st, call, &live, std::move(obj), std::move(managed), opts.dry_run, 200);
}

Reply delete_object(ServerState& st, const Call& call) {
  json options = json::object();
  if (!call.http.body.empty()) {
    try {
      options = json::parse(call.http.body);
    } catch (const json::parse_error& e) {
      throw bad_request(std::string("couldn't get version/kind; json parse error: ") + e.what());
    }
    if (!options.is_object()) {
      throw bad_request("the body of a delete request must be a DeleteOptions object");
    }
  }
  std::vector<std::string> body_dry_run;
  for (const auto& v : options.value("dryRun", json::array())) {
    body_dry_run.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  }
  const WriteOptions opts = write_options(call.http, "DeleteOptions", false, body_dry_run);
  const std::string policy = options.value("propagationPolicy", call.http.get_param_value("propagationPolicy"));
  if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground") {
    throw invalid(
        "meta.k8s.io", "DeleteOptions", "",
        {field_not_supported("propagationPolicy", go_quote(policy), {"Foreground", "Background", "Orphan", "nil"})});
  }
  auto lock = st.store.lock();
  Entry& live = live_or_404(st, call);
  const json pre = options.value("preconditions", json::object());
  const std::string live_uid = live.object["metadata"].value("uid", "");
  const std::string live_rv = rv_of(live.object);
  if (pre.contains("uid") && pre["uid"].is_string() && pre["uid"] != live_uid) {
    throw precondition_failed(call.res, call.ns, call.name,
                              "Precondition failed: UID in precondition: " + pre["uid"].get<std::string>() +
                                  ", UID in object meta: " + live_uid);
  }
  if (pre.contains("resourceVersion") && pre["resourceVersion"].is_string() && pre["resourceVersion"] != live_rv) {
    throw precondition_failed(
        call.res, call.ns, call.name,
        "Precondition failed: ResourceVersion in precondition: " + pre["resourceVersion"].get<std::string>() +
            ", ResourceVersion in object meta: " + live_rv);
  }
  json details = {{"name", call.name}, {"kind", call.res.plural}, {"uid", live_uid}};
  if (!call.res.group.empty()) {
    details["group"] = call.res.group;
  }
  if (!opts.dry_run) {
    json gone = present(call.res, live);
    gone["metadata"]["resourceVersion"] = st.store.next_resource_version();
    st.store.erase(call.res, call.ns, call.name);
    st.store.record(call.res, call.ns, "DELETED", std::move(gone));
  }
  return json_reply(200, status_success(details));
}

} // namespace fake
