// Layering: a profile resolved from the built-in base values, the file's defaults, the
// profile and those it extends, then --set (overrides.cpp); the result validated and built.
#include "graflow/config/config.hpp"

#include "graflow/config/layering.hpp"
#include "graflow/config/schema.hpp"

#include <algorithm>
#include <fmt/format.h>

#ifndef GRAFLOW_VERSION
#define GRAFLOW_VERSION "0.0.0"
#endif

namespace graflow::config {
using detail::config_error;
using detail::builtin_origin;
using detail::layer_of;

namespace detail {

Layer layer_of(std::initializer_list<std::pair<const char*, const char*>> values) {
  Layer layer;
  for (const auto& [k, v] : values) {
    layer[k] = Setting{k, v, {}, builtin_origin(), k};
  }
  return layer;
}

Error config_error(const Origin& origin, const std::string& key, const std::string& what) {
  if (origin.file.empty()) {
    return usage_error(fmt::format("{} {}: {}", origin.label, key, what));
  }
  return usage_error(fmt::format("{}: {}: {}", origin.describe(), key, what));
}

} // namespace detail

namespace {

// Values every profile starts from: the seed design's names and resources.
const Layer& base_layer() {
  static const Layer base = layer_of({
      {"keyPrefix", "graflow"},
      {"redis.host", "redis-service"},
      {"redis.port", "6379"},
      {"worker.deployment", "graflow-worker"},
      {"worker.hpa", "graflow-worker-hpa"},
      {"worker.container", "worker"},
      {"worker.image", "graflow-worker:latest"},
      {"worker.resources.requests.cpu", "500m"},
      {"worker.resources.requests.memory", "512Mi"},
      {"worker.resources.limits.cpu", "2000m"},
      {"worker.resources.limits.memory", "2Gi"},
      {"exporter.enabled", "true"},
      {"exporter.deployment", "graflow-exporter"},
      {"exporter.image", "graflowctl:" GRAFLOW_VERSION},
      {"exporter.port", "8000"},
      {"exporter.replicas", "1"},
      {"exporter.serviceMonitor", "false"},
      {"exporter.resources.requests.cpu", "50m"},
      {"exporter.resources.requests.memory", "16Mi"},
      {"exporter.resources.limits.cpu", "500m"},
      {"exporter.resources.limits.memory", "64Mi"},
  });
  return base;
}

int to_int(const Layer& values, const std::string& key) { return std::stoi(values.at(key).value); }

ScalingRules rules_of(const Layer& values, const std::string& prefix) {
  ScalingRules rules;
  if (auto it = values.find(prefix + ".stabilizationWindowSeconds"); it != values.end()) {
    rules.stabilization_window_seconds = std::stoi(it->second.value);
  }
  if (auto it = values.find(prefix + ".selectPolicy"); it != values.end()) {
    rules.select_policy = it->second.value;
  }
  if (auto it = values.find(prefix + ".policies"); it != values.end()) {
    rules.policies = it->second.policies;
  }
  return rules;
}

bool has_prefix(const Layer& values, const std::string& prefix) {
  return std::any_of(values.begin(), values.end(), [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
}

Resources resources_of(const Layer& v, const std::string& p) {
  return Resources{v.at(p + ".requests.cpu").value, v.at(p + ".requests.memory").value, v.at(p + ".limits.cpu").value,
                   v.at(p + ".limits.memory").value};
}

Profile build_profile(const std::string& name, const Layer& v) {
  Profile p;
  p.name = name;
  p.min_replicas = to_int(v, "minReplicas");
  p.max_replicas = to_int(v, "maxReplicas");
  p.average_value = to_int(v, "averageValue");
  if (auto it = v.find("namespace"); it != v.end()) {
    p.namespace_ = it->second.value;
  }
  p.key_prefix = v.at("keyPrefix").value;
  if (auto it = v.find("queue"); it != v.end()) {
    p.queue = QueueSetting{it->second.value, it->second.origin.describe()};
  }
  if (auto it = v.find("scaleOn"); it != v.end()) {
    p.scale_on = it->second.value; // unset: waiting (not a base value, so profiles show stays as it was)
  }
  p.redis_host = v.at("redis.host").value;
  p.redis_port = to_int(v, "redis.port");
  if (auto it = v.find("redis.url"); it != v.end()) {
    p.redis_url = it->second.value;
  }
  detail::build_redis_settings(v, p);
  p.worker = Worker{v.at("worker.deployment").value, v.at("worker.hpa").value, v.at("worker.container").value,
                    v.at("worker.image").value, resources_of(v, "worker.resources")};
  p.exporter.enabled = v.at("exporter.enabled").value == "true";
  p.exporter.deployment = v.at("exporter.deployment").value;
  p.exporter.image = v.at("exporter.image").value;
  p.exporter.port = to_int(v, "exporter.port");
  p.exporter.replicas = to_int(v, "exporter.replicas");
  p.exporter.service_monitor = v.at("exporter.serviceMonitor").value == "true";
  p.exporter.resources = resources_of(v, "exporter.resources");
  if (has_prefix(v, "behavior.")) {
    Behavior b;
    if (has_prefix(v, "behavior.scaleUp.")) {
      b.scale_up = rules_of(v, "behavior.scaleUp");
    }
    if (has_prefix(v, "behavior.scaleDown.")) {
      b.scale_down = rules_of(v, "behavior.scaleDown");
    }
    p.behavior = b;
  }
  return p;
}

} // namespace

std::string Origin::describe() const {
  if (file.empty()) {
    return label;
  }
  return line > 0 ? fmt::format("{}:{}", file, line) : file;
}

Config Config::builtin() {
  Config c;
  c.profiles_["prod"] = ProfileDef{"prod", std::nullopt, builtin_origin(),
                                   layer_of({{"minReplicas", "2"}, {"maxReplicas", "20"}, {"averageValue", "10"}})};
  c.profiles_["dev"] = ProfileDef{"dev", std::nullopt, builtin_origin(),
                                  layer_of({{"minReplicas", "1"}, {"maxReplicas", "10"}, {"averageValue", "20"}})};
  return c;
}

std::vector<std::string> Config::profile_names() const {
  std::vector<std::string> names;
  for (const auto& [name, def] : profiles_) {
    names.push_back(name);
  }
  return names;
}

bool Config::has_profile(const std::string& name) const { return profiles_.count(name) != 0; }

std::vector<const Setting*> Config::file_settings(std::string_view key) const {
  std::vector<const Setting*> out;
  const auto add = [&](const Layer& layer) {
    if (const auto it = layer.find(std::string(key)); it != layer.end() && !it->second.origin.file.empty()) {
      out.push_back(&it->second);
    }
  };
  add(defaults_);
  for (const auto& [name, def] : profiles_) {
    add(def.values);
  }
  return out;
}

ResolvedProfile Config::resolve(const std::string& name, const std::vector<Override>& overrides) const {
  if (!has_profile(name)) {
    std::string known;
    for (const auto& n : profile_names()) {
      known += (known.empty() ? "" : ", ") + n;
    }
    throw usage_error(fmt::format("unknown profile \"{}\" (known: {})", name, known));
  }
  std::vector<const ProfileDef*> chain;
  for (std::string cur = name;;) {
    const ProfileDef& def = profiles_.at(cur);
    if (std::find(chain.begin(), chain.end(), &def) != chain.end()) {
      throw config_error(def.origin, "profiles." + cur + ".extends", "profiles extend each other in a cycle");
    }
    chain.push_back(&def);
    if (!def.extends) {
      break;
    }
    cur = *def.extends;
  }
  Layer merged = base_layer();
  detail::Ranks rank; // which layer set each key: later layers rank higher
  for (const auto& [k, s] : defaults_) {
    merged[k] = s;
    rank[k] = 1;
  }
  std::string source = "built-in";
  int layer = 2;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it, ++layer) {
    for (const auto& [k, s] : (*it)->values) {
      merged[k] = s;
      rank[k] = layer;
      if (!s.origin.file.empty()) {
        source = s.origin.file;
      }
    }
    if (!(*it)->origin.file.empty()) {
      source = (*it)->origin.file;
    }
  }
  detail::apply_overrides(overrides, merged, rank);
  for (const char* required : {"minReplicas", "maxReplicas", "averageValue"}) {
    if (merged.count(required) == 0) {
      const ProfileDef& def = profiles_.at(name);
      throw config_error(def.origin, "profiles." + name,
                         fmt::format("{} is required (or extend a profile that has it: extends: prod)", required));
    }
  }
  const Setting& min = merged.at("minReplicas");
  const Setting& max = merged.at("maxReplicas");
  if (std::stoi(min.value) > std::stoi(max.value)) {
    // Blame whichever was set last: that is the value the user just changed.
    if (rank["maxReplicas"] > rank["minReplicas"]) {
      throw config_error(max.origin, max.path,
                         fmt::format("maxReplicas {} is less than minReplicas {} (set at {})", max.value, min.value,
                                     min.origin.describe()));
    }
    throw config_error(min.origin, min.path,
                       fmt::format("minReplicas {} is greater than maxReplicas {} (set at {})", min.value, max.value,
                                   max.origin.describe()));
  }
  detail::check_redis_settings(merged, rank);
  ResolvedProfile out{build_profile(name, merged), {}, source};
  for (const auto& spec : profile_keys()) {
    if (auto it = merged.find(std::string(spec.key)); it != merged.end()) {
      out.settings.push_back(it->second);
    }
  }
  return out;
}

} // namespace graflow::config
