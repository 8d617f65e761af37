#pragma once

#include "resources.hpp"
#include "store.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace fake {

// Ready replicas of a Deployment as the simulated controller reports them: the replicas
// become ready once `ready_delay` has passed since the last spec change.
std::int64_t ready_replicas(const Entry& entry, std::chrono::milliseconds ready_delay);

// The status the simulated Deployment controller reports for a stored Deployment.
nlohmann::json deployment_status(const Entry& entry, std::chrono::milliseconds ready_delay);

// Plays the Deployment controller: when the simulated status differs from the stored one, it
// is written under a new resourceVersion (and journaled), as a real controller's update would
// be. A no-op for other resources and for Deployments whose status the control API set.
// The caller holds the store lock.
void reconcile(const ResourceInfo& res, Entry& entry, std::chrono::milliseconds ready_delay, Store& store);

// The object as the API serves it: the stored object with metadata.managedFields.
nlohmann::json present(const ResourceInfo& res, const Entry& entry);

// The autoscaling/v1 Scale of a presented Deployment.
nlohmann::json scale_of(const nlohmann::json& deployment);

// A meta.k8s.io/v1 Table of presented objects, for kubectl's default output.
// include_object is the includeObject query parameter: None, Metadata (default) or Object.
nlohmann::json table_of(const ResourceInfo& res, const std::vector<nlohmann::json>& objects,
                        const std::string& include_object, const std::string& resource_version);

} // namespace fake
