#pragma once
// The keys a profile may set, with their types. One table serves the config file, --set
// and `profiles show`, so they can never disagree about what a key means.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::config {

enum class Kind {
  positive_int,   // minReplicas, ...
  port,           // 1..65535
  seconds,        // 0..3600
  period_seconds, // 1..1800
  boolean,
  dns_label,      // Kubernetes object names (DNS-1123 label)
  dns_subdomain,  // Secret and ConfigMap names (DNS-1123 subdomain)
  data_key,       // a key in a Secret's or ConfigMap's data
  redis_user,     // a Redis ACL user name (redis.username)
  label_value,    // key prefix: also a label value in Prometheus and the HPA selector
  host,           // hostname or IP address
  image,          // container image reference
  quantity,       // Kubernetes resource quantity (500m, 2Gi)
  redis_url,
  select_policy,  // Max | Min | Disabled
  select_policy_type, // Pods | Percent (a scaling policy's type)
  policies,       // list of {type, value, periodSeconds}
  queue_spec,     // LAYOUT:NAME[,option=value...] (parsed by queues/, which config/ does not include)
  scale_on,       // waiting | waiting+in_flight
};

struct KeySpec {
  std::string_view key;
  Kind kind;
  std::string_view help;
};

// Every settable key, in display order.
const std::vector<KeySpec>& profile_keys();
const KeySpec* find_key(std::string_view key);
// True when `key` is a strict prefix of some keys (a map such as "worker" or "behavior").
bool is_group(std::string_view key);
// The known key (or map of keys, such as redis.tls.caSecret) closest to `key`, for
// "did you mean" hints.
std::optional<std::string_view> closest_key(std::string_view key);

// Checks one scalar value of the given kind; returns what is wrong, or nothing.
std::optional<std::string> check_scalar(Kind kind, const std::string& value);

// Rejects values that would change the YAML structure if pasted into a template
// (newlines, ": ", " #", a leading indicator such as "{", quotes, ...).
std::optional<std::string> check_yaml_safe(const std::string& value);

} // namespace graflow::config
