#include "managed_fields.hpp"

#include "api_error.hpp"

#include <algorithm>
#include <map>

namespace fake {

using nlohmann::json;

namespace {

using LeafValues = std::map<FieldPath, json>;

void walk(const json& value, FieldPath& path, LeafValues& out) {
  if (value.is_null()) {
    return;
  }
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) {
      path.push_back(key);
      walk(child, path, out);
      path.pop_back();
    }
    return;
  }
  out[path] = value;
}

LeafValues leaf_values(const json& object, Scope scope) {
  LeafValues out;
  if (!object.is_object()) {
    return out;
  }
  FieldPath path;
  if (scope == Scope::Status) {
    if (object.contains("status")) {
      path.push_back("status");
      walk(object["status"], path, out);
    }
    return out;
  }
  for (const auto& [key, child] : object.items()) {
    if (key == "apiVersion" || key == "kind" || key == "status") {
      continue;
    }
    if (key == "metadata") {
      for (const char* sub : {"labels", "annotations"}) {
        if (child.contains(sub) && child[sub].is_object()) {
          for (const auto& [k, v] : child[sub].items()) {
            out[{"metadata", sub, k}] = v;
          }
        }
      }
      for (const char* sub : {"ownerReferences", "finalizers"}) {
        if (child.contains(sub) && !child[sub].is_null()) {
          out[{"metadata", sub}] = child[sub];
        }
      }
      continue;
    }
    path.push_back(key);
    walk(child, path, out);
    path.pop_back();
  }
  return out;
}

const json* get_path(const json& root, const FieldPath& path) {
  const json* cur = &root;
  for (const auto& seg : path) {
    if (!cur->is_object() || !cur->contains(seg)) {
      return nullptr;
    }
    cur = &(*cur)[seg];
  }
  return cur;
}

void set_path(json& root, const FieldPath& path, const json& value) {
  json* cur = &root;
  for (const auto& seg : path) {
    if (!cur->is_object()) {
      *cur = json::object();
    }
    cur = &(*cur)[seg];
  }
  if (value.is_object() && value.empty() && cur->is_object()) {
    return; // an empty map merges into whatever is there
  }
  *cur = value;
}

json* find_path(json& root, const FieldPath& path) {
  json* cur = &root;
  for (const auto& seg : path) {
    if (!cur->is_object() || !cur->contains(seg)) {
      return nullptr;
    }
    cur = &(*cur)[seg];
  }
  return cur;
}

// Removes the field, then the maps below the top level that became empty because of it.
void erase_path(json& root, const FieldPath& path) {
  FieldPath parent(path.begin(), path.end() - 1);
  json* node = find_path(root, parent);
  if (node == nullptr || !node->is_object()) {
    return;
  }
  node->erase(path.back());
  while (parent.size() >= 2) {
    json* p = find_path(root, parent);
    if (p == nullptr || !p->is_object() || !p->empty()) {
      return;
    }
    const std::string key = parent.back();
    parent.pop_back();
    find_path(root, parent)->erase(key);
  }
}

// Whether live holds what applied asks for. Lists are atomic here, so this ignores fields the
// server defaulted inside list items (imagePullPolicy in containers, ...) that the real
// apiserver would track per item and not count as a difference.
bool holds(const json& live, const json& applied) {
  if (applied.is_object()) {
    if (!live.is_object()) {
      return false;
    }
    for (const auto& [key, value] : applied.items()) {
      if (value.is_null()) {
        continue;
      }
      if (!live.contains(key) || !holds(live[key], value)) {
        return false;
      }
    }
    return true;
  }
  if (applied.is_array()) {
    if (!live.is_array() || live.size() != applied.size()) {
      return false;
    }
    for (std::size_t i = 0; i < applied.size(); ++i) {
      if (!holds(live[i], applied[i])) {
        return false;
      }
    }
    return true;
  }
  return live == applied;
}

bool is_prefix(const FieldPath& prefix, const FieldPath& path) {
  return prefix.size() < path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

std::string describe_manager(const ManagerEntry& e) {
  std::string s = go_quote(e.manager);
  if (!e.subresource.empty()) {
    s += " with subresource " + go_quote(e.subresource);
  }
  if (e.operation == "Update") {
    s += " using " + e.api_version;
    if (!e.time.empty()) {
      s += " at " + e.time;
    }
  }
  return s;
}

ManagerEntry& entry_for(ManagedFields& managed, const Actor& actor, const std::string& operation) {
  for (auto& e : managed) {
    if (e.manager == actor.manager && e.operation == operation && e.subresource == actor.subresource) {
      return e;
    }
  }
  managed.push_back({actor.manager, operation, actor.api_version, actor.subresource, actor.time, {}});
  return managed.back();
}

void drop_empty(ManagedFields& managed) {
  managed.erase(std::remove_if(managed.begin(), managed.end(), [](const auto& e) { return e.fields.empty(); }),
                managed.end());
}

void parse_fields(const json& node, FieldPath& path, FieldSet& out) {
  if (!node.is_object() || node.empty()) {
    out.insert(path);
    return;
  }
  for (const auto& [key, child] : node.items()) {
    if (key == ".") {
      continue;
    }
    if (key.rfind("f:", 0) != 0) {
      out.insert(path); // a list item: lists are atomic here
      return;
    }
    path.push_back(key.substr(2));
    parse_fields(child, path, out);
    path.pop_back();
  }
}

} // namespace

FieldSet leaf_fields(const json& object, Scope scope) {
  FieldSet out;
  for (const auto& [path, value] : leaf_values(object, scope)) {
    out.insert(path);
  }
  return out;
}

std::string path_string(const FieldPath& path) {
  std::string out;
  for (const auto& seg : path) {
    out += "." + seg;
  }
  return out;
}

json managed_fields_json(const ManagedFields& managed) {
  json out = json::array();
  for (const auto& e : managed) {
    json fields = json::object();
    for (const auto& path : e.fields) {
      json* cur = &fields;
      for (const auto& seg : path) {
        cur = &(*cur)["f:" + seg];
      }
      if (cur->is_null()) {
        *cur = json::object();
      }
    }
    json entry = {{"manager", e.manager}, {"operation", e.operation}, {"apiVersion", e.api_version},
                  {"time", e.time},       {"fieldsType", "FieldsV1"}, {"fieldsV1", fields}};
    if (!e.subresource.empty()) {
      entry["subresource"] = e.subresource;
    }
    out.push_back(entry);
  }
  return out;
}

ManagedFields parse_managed_fields(const json& entries) {
  ManagedFields out;
  if (!entries.is_array()) {
    return out;
  }
  for (const auto& e : entries) {
    ManagerEntry m{e.value("manager", ""),    e.value("operation", "Update"),
                   e.value("apiVersion", ""), e.value("subresource", ""),
                   e.value("time", ""),       {}};
    FieldPath path;
    if (e.contains("fieldsV1")) {
      parse_fields(e["fieldsV1"], path, m.fields);
    }
    m.fields.erase(FieldPath{});
    out.push_back(std::move(m));
  }
  drop_empty(out);
  return out;
}

void record_update(ManagedFields& managed, const json& before, const json& after, const Actor& actor, Scope scope) {
  const LeafValues old_leaves = leaf_values(before, scope);
  const LeafValues new_leaves = leaf_values(after, scope);
  FieldSet changed;
  for (const auto& [path, value] : new_leaves) {
    const auto it = old_leaves.find(path);
    if (it == old_leaves.end() || it->second != value) {
      changed.insert(path);
    }
  }
  FieldSet removed;
  for (const auto& [path, value] : old_leaves) {
    if (!new_leaves.contains(path)) {
      removed.insert(path);
    }
  }
  for (auto& e : managed) {
    for (const auto& p : removed) {
      e.fields.erase(p);
    }
    for (const auto& p : changed) {
      e.fields.erase(p);
    }
  }
  if (!changed.empty()) {
    ManagerEntry& mine = entry_for(managed, actor, "Update");
    mine.fields.insert(changed.begin(), changed.end());
    mine.api_version = actor.api_version;
    mine.time = actor.time;
  }
  drop_empty(managed);
}

json apply_config(const json& live, const json& applied, ManagedFields& managed, const Actor& actor, bool force,
                  Scope scope) {
  const LeafValues wanted = leaf_values(applied, scope);
  struct Conflict {
    std::size_t owner;
    FieldPath path;
  };
  std::vector<Conflict> conflicts;
  auto is_mine = [&](const ManagerEntry& e) {
    return e.manager == actor.manager && e.operation == "Apply" && e.subresource == actor.subresource;
  };
  for (const auto& [path, value] : wanted) {
    const json* current = get_path(live, path);
    for (std::size_t i = 0; i < managed.size(); ++i) {
      const auto& e = managed[i];
      if (is_mine(e)) {
        continue;
      }
      if (e.fields.contains(path) && current != nullptr && !holds(*current, value)) {
        conflicts.push_back({i, path});
      }
      if (!value.is_object()) {
        for (auto it = e.fields.upper_bound(path); it != e.fields.end() && is_prefix(path, *it); ++it) {
          conflicts.push_back({i, *it});
        }
      }
    }
  }
  if (!conflicts.empty() && !force) {
    json causes = json::array();
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const auto& c : conflicts) {
      const std::string who = describe_manager(managed[c.owner]);
      causes.push_back(
          {{"reason", "FieldManagerConflict"}, {"message", "conflict with " + who}, {"field", path_string(c.path)}});
      by_manager[managed[c.owner].manager + "\n" + who].push_back(path_string(c.path));
    }
    std::string message;
    if (conflicts.size() == 1) {
      message = "Apply failed with 1 conflict: conflict with " + describe_manager(managed[conflicts[0].owner]) + ": " +
                path_string(conflicts[0].path);
    } else {
      message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
      bool first = true;
      for (const auto& [key, paths] : by_manager) {
        message += (first ? "" : "\n") + std::string("conflicts with ") + key.substr(key.find('\n') + 1) + ":";
        for (const auto& p : paths) {
          message += "\n- " + p;
        }
        first = false;
      }
    }
    throw ApiError(409, "Conflict", message, {{"causes", causes}});
  }
  for (const auto& c : conflicts) {
    managed[c.owner].fields.erase(c.path);
  }

  json result = live;
  for (const auto& [path, value] : wanted) {
    set_path(result, path, value);
  }
  ManagerEntry& mine = entry_for(managed, actor, "Apply");
  const FieldSet previous = mine.fields;
  mine.fields.clear();
  for (const auto& [path, value] : wanted) {
    mine.fields.insert(path);
  }
  mine.api_version = actor.api_version;
  mine.time = actor.time;
  for (const auto& path : previous) {
    if (mine.fields.contains(path)) {
      continue;
    }
    const bool owned_elsewhere = std::any_of(managed.begin(), managed.end(),
                                             [&](const auto& e) { return !is_mine(e) && e.fields.contains(path); });
    if (!owned_elsewhere) {
      erase_path(result, path);
    }
  }
  drop_empty(managed);
  return result;
}

} // namespace fake
