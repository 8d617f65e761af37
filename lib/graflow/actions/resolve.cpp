#include "graflow/actions/resolve.hpp"

#include "graflow/config/schema.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/printable.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace graflow::actions {

std::vector<config::Override> key_prefix_overrides(const std::string& key_prefix_flag, const Env& env) {
  if (!key_prefix_flag.empty()) {
    return {{"keyPrefix=" + key_prefix_flag, "--key-prefix"}};
  }
  if (const auto v = env.non_empty("KEY_PREFIX")) {
    return {{"keyPrefix=" + *v, "$KEY_PREFIX"}};
  }
  return {};
}

std::string profile_name(const std::string& profile_flag, const config::Config& config, const char* fallback) {
  if (!profile_flag.empty()) {
    return profile_flag;
  }
  if (const auto& d = config.default_profile(); d && !d->empty()) {
    return *d;
  }
  return fallback != nullptr ? fallback : "";
}

namespace {
queues::QueueSpec profile_queue(const config::Profile& profile);
} // namespace

queues::QueueSpec profile_queue_spec(const config::Profile& profile) {
  return profile.queue ? profile_queue(profile) : queues::graflow_queue(profile.key_prefix);
}

namespace {

// How strongly a setting was given, in the order of the one queue precedence (README
// "Precedence"): --set > the global --key-prefix/--queue > $KEY_PREFIX > the config file and
// the built-in values.
int queue_rank(const config::Origin& origin) {
  if (!origin.file.empty()) {
    return 1;
  }
  if (origin.label == "--set") {
    return 4;
  }
  if (origin.label == "--key-prefix" || origin.label == "--queue") {
    return 3;
  }
  if (origin.label == "$KEY_PREFIX") {
    return 2;
  }
  return 1; // built-in
}

// A queue: given more weakly than keyPrefix (the profile's queue: block under --key-prefix,
// $KEY_PREFIX or --set keyPrefix=) no longer names the queue: the graflow layout on keyPrefix
// does, as queue_specs() decides for queue depth.
void settle_queue(config::ResolvedProfile& resolved) {
  auto& settings = resolved.settings;
  const auto find = [&](const char* key) {
    return std::find_if(settings.begin(), settings.end(), [&](const config::Setting& s) { return s.key == key; });
  };
  const auto queue = find("queue");
  const auto prefix = find("keyPrefix");
  if (queue == settings.end() || prefix == settings.end()) {
    return;
  }
  if (queue_rank(prefix->origin) > queue_rank(queue->origin)) {
    settings.erase(queue);
    resolved.profile.queue.reset();
  }
}

} // namespace

config::ResolvedProfile resolve_profile(const config::Config& config, const ResolveInputs& in, const Env& env,
                                        const char* command, const char* fallback) {
  const std::string name = profile_name(in.profile_flag, config, fallback);
  if (name.empty()) {
    std::string known;
    for (const auto& n : config.profile_names()) {
      known += (known.empty() ? "" : ", ") + n;
    }
    throw usage_error(fmt::format("{} needs --profile NAME (known: {})", command, known));
  }
  const std::size_t named = (in.key_prefix_flag.empty() ? 0U : 1U) + in.queue_flags.size();
  if (named > 1 && !in.several_queues) {
    throw usage_error(fmt::format("{} scales one HPA on one queue, but the global --key-prefix and --queue name {}: "
                                  "give one",
                                  command, named));
  }
  auto overrides = key_prefix_overrides(in.key_prefix_flag, env);
  if (named == 1 && in.queue_flags.size() == 1) {
    const std::string& text = in.queue_flags.front();
    (void)queues::parse_queue_spec(text); // its messages name the --queue value
    overrides.push_back({"queue=" + text, "--queue"});
  }
  if (!in.namespace_flag.empty()) {
    overrides.push_back({"namespace=" + in.namespace_flag, "--namespace"});
  }
  for (const auto& s : in.sets) {
    overrides.push_back({s, "--set"});
  }
  auto resolved = config.resolve(name, overrides);
  settle_queue(resolved);
  set_hpa_metric(resolved.profile);
  return resolved;
}

void set_hpa_metric(config::Profile& profile) {
  using queues::Layout;
  const auto spec = profile_queue_spec(profile);
  config::HpaMetric m{"graflow_queue_depth", "key_prefix", spec.name, "--key-prefix=" + spec.name};
  if (spec.layout != Layout::graflow) {
    // The canonical text, so that the map form of queue: reaches the exporter as a flag it parses.
    m = {"graflow_queue_depth", "queue", spec.id, "--queue=" + queues::spec_text(spec)};
  }
  // Only these layouts record tasks in flight; for the others waiting+in_flight is waiting.
  const bool in_flight = spec.layout == Layout::celery || spec.layout == Layout::rq || spec.layout == Layout::sidekiq ||
                         spec.layout == Layout::bullmq || (spec.layout == Layout::stream && !spec.group.empty());
  if (profile.scale_on == "waiting+in_flight" && in_flight) {
    m.name = "graflow_queue_load";
  }
  profile.hpa_metric = std::move(m);
}

std::vector<std::string> key_prefixes(const std::vector<std::string>& command_flags, const std::string& key_prefix_flag,
                                      const Env& env, const config::Profile* profile) {
  if (!command_flags.empty()) {
    return command_flags;
  }
  if (!key_prefix_flag.empty()) {
    return {key_prefix_flag};
  }
  if (const auto v = env.non_empty("KEY_PREFIX")) {
    // The rule the config's keyPrefix and --key-prefix follow.
    if (const auto problem = config::check_scalar(config::Kind::label_value, *v)) {
      throw usage_error("$KEY_PREFIX: " + printable(*problem, 300));
    }
    return {*v};
  }
  if (profile != nullptr) {
    return {profile->key_prefix};
  }
  return {"graflow"};
}

namespace {

// A profile's queue: the --queue string, or the map form kept as flow YAML by config/.
queues::QueueSpec profile_queue(const config::Profile& profile) {
  const std::string& text = profile.queue->spec;
  const YAML::Node node = !text.empty() && text.front() == '{' ? YAML::Load(text) : YAML::Node(text);
  return queues::queue_spec_from_yaml(node, fmt::format("{}: profile {}: queue", profile.queue->origin, profile.name));
}

std::vector<queues::QueueSpec> specs_of(const QueueFlags& flags) {
  std::vector<queues::QueueSpec> out;
  for (const auto& prefix : flags.key_prefixes) {
    out.push_back(queues::graflow_queue(prefix));
  }
  for (const auto& text : flags.queues) {
    out.push_back(queues::parse_queue_spec(text)); // its messages name the --queue value
  }
  return out;
}

} // namespace

std::vector<queues::QueueSpec> queue_specs(const QueueFlags& command, const QueueFlags& global, const Env& env,
                                           const config::Profile* profile) {
  std::vector<queues::QueueSpec> out;
  if (!command.empty()) {
    out = specs_of(command);
  } else if (!global.empty()) {
    out = specs_of(global);
  } else if (const auto v = env.non_empty("KEY_PREFIX")) {
    // The rule the config's keyPrefix and --key-prefix follow.
    if (const auto problem = config::check_scalar(config::Kind::label_value, *v)) {
      throw usage_error("$KEY_PREFIX: " + printable(*problem, 300));
    }
    out = {queues::graflow_queue(*v)};
  } else if (profile != nullptr && profile->queue) {
    out = {profile_queue(*profile)}; // the same checks as --queue, naming where the profile set it
  } else if (profile != nullptr) {
    out = {queues::graflow_queue(profile->key_prefix)};
  } else {
    out = {queues::graflow_queue("graflow")};
  }
  queues::check_unique_ids(out);
  return out;
}

RedisUrl redis_url(const std::string& redis_url_flag, const Env& env, const config::Profile* profile) {
  if (!redis_url_flag.empty()) {
    return {redis_url_flag, "--redis-url"};
  }
  if (const auto v = env.non_empty("GRAFLOW_REDIS_URL")) {
    return {*v, "$GRAFLOW_REDIS_URL"};
  }
  if (const auto host = env.non_empty("REDIS_HOST")) {
    const bool v6 = host->find(':') != std::string::npos;
    return {fmt::format("redis://{}{}{}:6379/0", v6 ? "[" : "", *host, v6 ? "]" : ""), "$REDIS_HOST"};
  }
  if (profile != nullptr && profile->redis_url && !profile->redis_url->empty()) {
    return {*profile->redis_url, "the profile's redis.url"};
  }
  return {"redis://localhost:6379/0", "the default"};
}

void check_redis_urls(const config::Config& config) {
  for (const config::Setting* s : config.file_settings("redis.url")) {
    try {
      (void)redis::parse_url(s->value);
    } catch (const Error& e) {
      // parse_url's words already redact the password.
      throw usage_error(fmt::format("{}: {}: {}", s->origin.describe(), s->path, e.what()));
    }
  }
}

redis::Address redis_address(const RedisUrl& url, const RedisFlags& flags, const Env& env) {
  redis::Address a = redis::parse_url(url.url);
  redis::apply_password(a, flags.password_file, env);
  // The ACL user like the password: the flag wins over the URL's, then $GRAFLOW_REDIS_USER
  // (how the rendered exporter gets redis.username). A user alone (nopass) is allowed.
  if (!flags.user.empty()) {
    a.user = flags.user;
  } else if (a.user.empty()) {
    if (auto u = env.non_empty("GRAFLOW_REDIS_USER")) {
      a.user = *u;
    }
  }
  const std::pair<const char*, bool> tls_flags[] = {{"--redis-ca-file", !flags.ca_file.empty()},
                                                    {"--redis-cert-file", !flags.cert_file.empty()},
                                                    {"--redis-key-file", !flags.key_file.empty()},
                                                    {"--redis-tls-server-name", !flags.server_name.empty()},
                                                    {"--redis-insecure-skip-tls-verify", flags.insecure}};
  for (const auto& [flag, given] : tls_flags) {
    if (given && !a.tls.enabled) {
      throw usage_error(fmt::format("{} needs a rediss:// URL (the Redis URL from {} is not TLS)", flag, url.source));
    }
  }
  if (flags.cert_file.empty() != flags.key_file.empty()) {
    throw usage_error("--redis-cert-file and --redis-key-file go together");
  }
  a.tls.ca_file = flags.ca_file;
  a.tls.cert_file = flags.cert_file;
  a.tls.key_file = flags.key_file;
  a.tls.server_name = flags.server_name;
  a.tls.insecure = flags.insecure;
  const std::pair<const char*, bool> sentinel_flags[] = {{"--redis-sentinel-user", !flags.sentinel_user.empty()},
                                                         {"--redis-sentinel-password-file", !flags.sentinel_password_file.empty()}};
  for (const auto& [flag, given] : sentinel_flags) {
    if (given && a.mode != redis::Mode::sentinel) {
      throw usage_error(fmt::format("{} needs a redis+sentinel:// URL (the Redis URL from {} is not one)", flag, url.source));
    }
  }
  if (a.mode == redis::Mode::sentinel) {
    a.sentinel_user = flags.sentinel_user;
    if (!flags.sentinel_password_file.empty()) {
      a.sentinel_password = redis::read_password_file(flags.sentinel_password_file, "--redis-sentinel-password-file");
    } else if (auto p = env.non_empty("GRAFLOW_REDIS_SENTINEL_PASSWORD")) {
      a.sentinel_password = *p;
    }
  }
  return a;
}

} // namespace graflow::actions
