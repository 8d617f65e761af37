#pragma once

#include <ctime>
#include <functional>

#include "managed_fields.hpp"
#include "resources.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace fake {

// One stored object and what the fake remembers beside it.
struct Entry {
  nlohmann::json object; // without metadata.managedFields; Deployment status is computed when read
  ManagedFields managed;
  std::chrono::steady_clock::time_point spec_changed_at{};
  std::string spec_changed_time; // the same moment, RFC 3339, for condition timestamps
  std::int64_t ready_before = 0; // ready replicas just before the last spec change
  bool controlled = true;        // the simulated Deployment controller writes the status
};

// One entry of the change journal that watches replay (ADDED, MODIFIED or DELETED).
struct WatchEvent {
  std::uint64_t revision;
  std::string type;
  std::string resource; // group_resource()
  std::string ns;
  nlohmann::json object; // as served at that revision
};

// All objects, keyed by resource, namespace and name. Callers hold lock() around every use.
class Store {
public:
  std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }

  Entry* find(const ResourceInfo& res, const std::string& ns, const std::string& name);
  // Objects of one resource, sorted by namespace and name; an empty ns means all namespaces.
  std::vector<Entry*> list(const ResourceInfo& res, const std::string& ns);
  Entry& put(const ResourceInfo& res, const std::string& ns, const std::string& name, Entry entry);
  bool erase(const ResourceInfo& res, const std::string& ns, const std::string& name);
  std::set<std::string> namespaces() const;
  void clear();

  // Every write takes the next value of one global counter, like etcd's revision.
  std::string next_resource_version() { return std::to_string(++revision_); }
  std::string resource_version() const { return std::to_string(revision_); }
  std::uint64_t revision() const { return revision_; }

  // Journals a change for watchers; `object` carries the revision of the change.
  void record(const ResourceInfo& res, const std::string& ns, const std::string& type, nlohmann::json object);
  // Journaled changes of one resource (namespace, if not empty) after `revision`.
  std::vector<WatchEvent> events_since(const ResourceInfo& res, const std::string& ns, std::uint64_t revision) const;
  // The oldest revision a watch can still start from.
  std::uint64_t oldest_watchable() const;
  // Signals watchers that something was journaled.
  std::condition_variable changed;

private:
  static std::string key(const ResourceInfo& res, const std::string& ns, const std::string& name);

  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::uint64_t revision_ = 1000;
  std::deque<WatchEvent> journal_;
  std::uint64_t forgotten_ = 1000; // revisions up to this one are no longer journaled
};

std::string new_uid();
// The fake's wall clock: the system clock, or what set_time_source() installed (in-process
// tests tie it to their fake clock, or skew it). Not thread-safe to change while serving.
void set_time_source(std::function<std::time_t()> source);
std::time_t now_seconds();
std::string now_rfc3339();
// Now as an HTTP Date header value (IMF-fixdate).
std::string now_http_date();

} // namespace fake
