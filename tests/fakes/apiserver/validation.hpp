#pragma once

#include "resources.hpp"

#include <nlohmann/json.hpp>

namespace fake {

// Fills in what the real apiserver defaults (Deployment replicas and strategy, HPA
// minReplicas, Service clusterIP, ...). `old` is the stored version on updates, else null.
void apply_defaults(const ResourceInfo& res, nlohmann::json& object, const nlohmann::json* old);

// Throws ApiError 400 for fields of the wrong JSON type (the decoder's error) and 422 Invalid
// with one cause per problem, worded like the apiserver's validation.
void validate_object(const ResourceInfo& res, const nlohmann::json& object);

} // namespace fake
