#pragma once
// The precedence rules for what several commands need — the profile, the queue key prefixes,
// the Redis URL — each in one place, so that every command resolves them the same way
// (README: "Precedence: ..." and "Redis is reached at ...").
#include "graflow/config/config.hpp"
#include "graflow/core/env.hpp"
#include "graflow/queues/spec.hpp"
#include "graflow/redis/url.hpp"

#include <optional>
#include <string>
#include <vector>

namespace graflow::actions {

// The flags and variables the rules read; cli/ fills it from the global options.
struct ResolveInputs {
  std::string profile_flag;      // --profile of the command
  std::vector<std::string> sets; // --set KEY=VALUE of the command
  std::string key_prefix_flag;   // the global --key-prefix
  std::string namespace_flag;    // -n
  std::string redis_url_flag;    // --redis-url
  std::vector<std::string> queue_flags; // the global --queue values
  // The command reads several queues beside the profile (queue depth); every other command
  // scales one HPA on one queue, and more than one global queue is a usage Error.
  bool several_queues = false;
};

// --key-prefix, else $KEY_PREFIX (non-empty), as an override of the profile's keyPrefix.
std::vector<config::Override> key_prefix_overrides(const std::string& key_prefix_flag, const Env& env);

// The profile's name: --profile, else the config's defaultProfile, else `fallback`
// (nullptr: none); empty when there is none.
std::string profile_name(const std::string& profile_flag, const config::Config& config, const char* fallback);

// The named profile with, in rising precedence, $KEY_PREFIX, the global --key-prefix or
// --queue, -n and every --set applied. Which queue it watches follows the one precedence of
// queue_specs(): a queue named on the command line (--set queue=/keyPrefix=, then the global
// --key-prefix/--queue, then $KEY_PREFIX) replaces the profile's queue: block, which replaces
// its keyPrefix; the result is in profile.queue (unset: the graflow layout on keyPrefix) and
// profile.hpa_metric, so render, deploy, status, doctor and `profiles show` read the queue that
// `queue depth --profile` reads. A usage Error naming `command` and the known profiles when no
// name is found, or when the global flags name more than one queue and !several_queues.
config::ResolvedProfile resolve_profile(const config::Config& config, const ResolveInputs& in, const Env& env,
                                        const char* command, const char* fallback = nullptr);

// The profile's queue: its queue: (checked as --queue, naming where it was set), else the
// graflow layout on its keyPrefix.
queues::QueueSpec profile_queue_spec(const config::Profile& profile);

// Fills profile.hpa_metric from profile_queue_spec() and scaleOn (the seed's metric for the
// graflow layout). A usage Error naming where the profile's queue was set when it is malformed.
void set_hpa_metric(config::Profile& profile);

// The queue key prefixes to read: the command's own --key-prefix list, else the global
// --key-prefix, else $KEY_PREFIX, else the profile's keyPrefix (when there is a profile),
// else "graflow".
std::vector<std::string> key_prefixes(const std::vector<std::string>& command_flags, const std::string& key_prefix_flag,
                                      const Env& env, const config::Profile* profile);

// Which queues a command names: its --key-prefix (graflow layout) and --queue values.
struct QueueFlags {
  std::vector<std::string> key_prefixes;
  std::vector<std::string> queues; // LAYOUT:NAME[,option=value...]
  [[nodiscard]] bool empty() const { return key_prefixes.empty() && queues.empty(); }
};

// The queues to read, by the first of these that names any: the command's own --key-prefix
// and --queue, else the global --key-prefix and --queue, else $KEY_PREFIX, else the profile's
// queue (when it has one) or keyPrefix (when there is a profile), else "graflow" — the one
// precedence resolve_profile() also applies to a profile's queue, so that a resolved profile
// yields the same queue here as in render, status and doctor. Key
// prefixes come first, then the --queue values in order. A usage Error for a malformed spec
// (a profile's names its origin, e.g. "graflow.yaml:12: queue: ...") or two queues with one id.
std::vector<queues::QueueSpec> queue_specs(const QueueFlags& command, const QueueFlags& global, const Env& env,
                                           const config::Profile* profile);

struct RedisUrl {
  std::string url;    // may hold a password: never print it
  std::string source; // "--redis-url", "$GRAFLOW_REDIS_URL", ... for messages
};

// --redis-url, else $GRAFLOW_REDIS_URL, else the seed's $REDIS_HOST (port 6379, db 0), else
// the profile's redis.url (when there is a profile), else redis://localhost:6379/0.
RedisUrl redis_url(const std::string& redis_url_flag, const Env& env, const config::Profile* profile);

// Parses every redis.url the config file sets, so that a bad one is a usage Error naming
// file, line and key when the config loads, not only when a command uses that profile.
void check_redis_urls(const config::Config& config);

// The global flags that complete a Redis URL: the password file and the TLS options.
struct RedisFlags {
  std::string password_file; // --redis-password-file
  std::string user;          // --redis-user
  std::string ca_file;       // --redis-ca-file
  std::string cert_file;     // --redis-cert-file
  std::string key_file;      // --redis-key-file
  std::string server_name;   // --redis-tls-server-name
  bool insecure = false;     // --redis-insecure-skip-tls-verify
  std::string sentinel_user;          // --redis-sentinel-user
  std::string sentinel_password_file; // --redis-sentinel-password-file
};

// The address of `url` with the password (--redis-password-file wins over the URL's, then
// $GRAFLOW_REDIS_PASSWORD), the TLS flags and the sentinel credentials (--redis-sentinel-user;
// --redis-sentinel-password-file, else $GRAFLOW_REDIS_SENTINEL_PASSWORD) applied. A usage Error
// for a TLS flag without a rediss:// URL, a sentinel flag without a redis+sentinel:// URL, or a
// client certificate without its key.
redis::Address redis_address(const RedisUrl& url, const RedisFlags& flags, const Env& env);

} // namespace graflow::actions
