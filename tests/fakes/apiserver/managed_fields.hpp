#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace fake {

// Field ownership, simplified: a manager owns a set of leaf paths. A leaf is a scalar, a
// list (lists are atomic here) or an empty map. Label and annotation entries are leaves too.
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

struct ManagerEntry {
  std::string manager;
  std::string operation; // "Apply" or "Update"
  std::string api_version;
  std::string subresource;
  std::string time;
  FieldSet fields;
};
using ManagedFields = std::vector<ManagerEntry>;

// Which part of an object a write may touch: the main resource ignores status, the status
// subresource touches nothing else.
enum class Scope { Main, Status };

// Who performs a write.
struct Actor {
  std::string manager;
  std::string api_version;
  std::string subresource;
  std::string time;
};

FieldSet leaf_fields(const nlohmann::json& object, Scope scope);
std::string path_string(const FieldPath& path); // .spec.replicas

nlohmann::json managed_fields_json(const ManagedFields& managed);
// Reads metadata.managedFields as the API shows it (fieldsV1), e.g. from the control API.
ManagedFields parse_managed_fields(const nlohmann::json& entries);

// A non-apply write: the actor takes over every field whose value it changed, and fields that
// disappeared lose all their owners.
void record_update(ManagedFields& managed, const nlohmann::json& before, const nlohmann::json& after,
                   const Actor& actor, Scope scope);

// Server-side apply of `applied` onto `live`. Returns the merged object and updates `managed`.
// Throws ApiError 409 Conflict when another manager owns a field with a different value,
// unless `force` (then the actor takes the field over).
nlohmann::json apply_config(const nlohmann::json& live, const nlohmann::json& applied, ManagedFields& managed,
                            const Actor& actor, bool force, Scope scope);

} // namespace fake
