#pragma once
// A resolved profile: every value the templates and commands need, already validated.
#include <optional>
#include <string>
#include <vector>

namespace graflow::config {

struct ScalingPolicy {
  std::string type; // Pods or Percent
  int value = 0;
  int period_seconds = 0;
};

struct ScalingRules {
  std::optional<int> stabilization_window_seconds;
  std::optional<std::string> select_policy; // Max, Min or Disabled
  std::vector<ScalingPolicy> policies;
};

// The optional HPA `behavior` block (autoscaling/v2).
struct Behavior {
  std::optional<ScalingRules> scale_up;
  std::optional<ScalingRules> scale_down;
};

struct Resources {
  std::string cpu_request;
  std::string memory_request;
  std::string cpu_limit;
  std::string memory_limit;
};

struct Worker {
  std::string deployment;
  std::string hpa;
  std::string container;
  std::string image;
  Resources resources;
};

struct Exporter {
  bool enabled = true;
  std::string deployment;
  std::string image;
  int port = 8000;
  int replicas = 1;
  bool service_monitor = false;
  Resources resources;
};

// A key in a Kubernetes Secret or ConfigMap, as a secretKeyRef or a volume item names it.
struct ObjectKey {
  std::string name; // the Secret or ConfigMap
  std::string key;  // the key in its data
};

// The exporter's client certificate for mTLS: one Secret (a kubernetes.io/tls Secret by
// default) holding the certificate and its key.
struct ClientCertSecret {
  std::string name;
  std::string cert_key = "tls.crt";
  std::string key_key = "tls.key";
};

// How the rendered exporter reaches Redis over TLS (`redis.tls` of a profile). The files
// come from Secrets or a ConfigMap, mounted read-only; render never creates those objects.
struct RedisTls {
  bool enabled = false;
  std::optional<ObjectKey> ca_secret;     // the CA bundle from a Secret...
  std::optional<ObjectKey> ca_config_map; // ...or from a ConfigMap (never both)
  std::optional<ClientCertSecret> client_cert;
  std::optional<std::string> server_name; // SNI and the name checked; unset: redis.host
  bool insecure_skip_verify = false;
};

// A profile's `queue:` as written (LAYOUT:NAME[,option=value...]); actions/resolve parses it.
struct QueueSetting {
  std::string spec;
  std::string origin; // "graflow.yaml:12", "--set", for messages
};

// The External metric the rendered HPA scales on and its selector (DESIGN.md §5b). Filled by
// actions::resolve_profile from the profile's queue and scaleOn (config/ cannot parse queue
// specs); empty name: the seed's graflow_queue_depth{key_prefix=<keyPrefix>}.
struct HpaMetric {
  std::string name;           // graflow_queue_depth, or graflow_queue_load for waiting+in_flight
  std::string label;          // key_prefix (graflow layout) or queue
  std::string value;          // the key prefix or the queue's id
  std::string exporter_flag;  // the exporter's argument: --key-prefix=P or --queue=SPEC
};

struct Profile {
  std::string name;
  int min_replicas = 0;
  int max_replicas = 0;
  int average_value = 0; // tasks per worker
  std::optional<std::string> namespace_;
  std::string key_prefix;
  std::optional<QueueSetting> queue; // replaces key_prefix's graflow-layout queue when set
  std::string scale_on = "waiting";  // or "waiting+in_flight"
  HpaMetric hpa_metric;
  std::string redis_host; // as the workers and the exporter reach it, inside the cluster
  int redis_port = 6379;
  std::optional<std::string> redis_url; // as graflowctl itself reaches Redis
  std::optional<ObjectKey> redis_password_secret; // the exporter's password, as a secretKeyRef
  std::optional<std::string> redis_username;       // the exporter's ACL user ($GRAFLOW_REDIS_USER)
  RedisTls redis_tls;                             // the exporter's TLS
  Worker worker;
  Exporter exporter;
  std::optional<Behavior> behavior;

  // keyPrefix's graflow-layout list only: it ignores queue:. What the profile watches is
  // queues::main_key(actions::profile_queue_spec(profile)).
  [[nodiscard]] std::string queue_key() const { return key_prefix + ":queue"; }
};

} // namespace graflow::config

// desired_workers has a home of its own; included here for the callers that found it here.
#include "graflow/config/desired_workers.hpp"
