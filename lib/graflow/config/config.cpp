#include "graflow/config/config.hpp"

#include "graflow/config/schema.hpp"
#include "graflow/core/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

#ifndef GRAFLOW_VERSION
#define GRAFLOW_VERSION "0.0.0"
#endif

namespace graflow::config {
namespace {

const Origin k_builtin{"", 0, "built-in"};

Layer layer_of(std::initializer_list<std::pair<const char*, const char*>> values) {
  Layer layer;
  for (const auto& [k, v] : values) {
    layer[k] = Setting{k, v, {}, k_builtin, k};
  }
  return layer;
}

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

// `file:line: key: what` for the config file, `--set key: what` for the command line.
Error config_error(const Origin& origin, const std::string& key, const std::string& what) {
  if (origin.file.empty()) {
    return usage_error(fmt::format("{} {}: {}", origin.label, key, what));
  }
  return usage_error(fmt::format("{}: {}: {}", origin.describe(), key, what));
}

class FileParser {
public:
  FileParser(std::string name) : name_(std::move(name)) {}

  Origin at(const YAML::Node& node) const { return Origin{name_, node.Mark().line + 1, ""}; }

  void check_scalar_node(const YAML::Node& key, const YAML::Node& value, const std::string& path, Kind kind) const {
    if (!value.IsDefined() || value.IsNull()) {
      throw config_error(at(key), path, "needs a value");
    }
    if (!value.IsScalar()) {
      throw config_error(at(key), path, fmt::format("must be a single value, not a {}", value.IsMap() ? "map" : "list"));
    }
    const bool numeric = kind == Kind::positive_int || kind == Kind::port || kind == Kind::seconds ||
                         kind == Kind::period_seconds;
    if (numeric && value.Tag() == "!") {
      throw config_error(at(key), path, fmt::format("must be a whole number, not the string \"{}\"", value.Scalar()));
    }
    if (auto problem = check_scalar(kind, value.Scalar())) {
      throw config_error(at(key), path, *problem);
    }
  }

  std::vector<ScalingPolicy> parse_policies(const YAML::Node& key, const YAML::Node& value, const std::string& path) const {
    if (!value.IsSequence()) {
      throw config_error(at(key), path, "must be a list of {type, value, periodSeconds}");
    }
    std::vector<ScalingPolicy> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const YAML::Node item = value[i];
      const std::string item_path = fmt::format("{}[{}]", path, i);
      if (!item.IsMap()) {
        throw config_error(at(item), item_path, "must be a map with type, value and periodSeconds");
      }
      ScalingPolicy policy;
      std::set<std::string> seen;
      for (const auto& kv : item) {
        const std::string k = kv.first.Scalar();
        const std::string p = item_path + "." + k;
        seen.insert(k);
        if (k == "type") {
          check_scalar_node(kv.first, kv.second, p, Kind::select_policy_type);
          policy.type = kv.second.Scalar();
        } else if (k == "value") {
          check_scalar_node(kv.first, kv.second, p, Kind::positive_int);
          policy.value = std::stoi(kv.second.Scalar());
        } else if (k == "periodSeconds") {
          check_scalar_node(kv.first, kv.second, p, Kind::period_seconds);
          policy.period_seconds = std::stoi(kv.second.Scalar());
        } else {
          throw config_error(at(kv.first), p, "unknown key (a policy has type, value and periodSeconds)");
        }
      }
      for (const char* required : {"type", "value", "periodSeconds"}) {
        if (seen.count(required) == 0) {
          throw config_error(at(item), item_path, fmt::format("{} is required", required));
        }
      }
      out.push_back(policy);
    }
    return out;
  }

  // Walks a profile (or `defaults`) map, checking every key against the schema.
  void walk(const YAML::Node& map, const std::string& prefix, const std::string& path, Layer& out,
            bool allow_extends, std::optional<std::string>* extends) const {
    for (const auto& kv : map) {
      const std::string k = kv.first.Scalar();
      const std::string full = prefix.empty() ? k : prefix + "." + k;
      const std::string file_path = path + "." + k;
      if (allow_extends && prefix.empty() && k == "extends") {
        check_scalar_node(kv.first, kv.second, file_path, Kind::dns_label);
        *extends = kv.second.Scalar();
        continue;
      }
      if (const KeySpec* spec = find_key(full)) {
        Setting setting{full, "", {}, at(kv.first), file_path};
        if (spec->kind == Kind::policies) {
          setting.policies = parse_policies(kv.first, kv.second, file_path);
        } else {
          check_scalar_node(kv.first, kv.second, file_path, spec->kind);
          setting.value = kv.second.Scalar();
        }
        out[full] = std::move(setting);
      } else if (is_group(full)) {
        if (kv.second.IsNull()) {
          continue;
        }
        if (!kv.second.IsMap()) {
          throw config_error(at(kv.first), file_path, "must be a map");
        }
        walk(kv.second, full, file_path, out, false, nullptr);
      } else {
        std::string hint;
        if (auto near = closest_key(full)) {
          hint = fmt::format(" (did you mean {}?)", *near);
        }
        throw config_error(at(kv.first), file_path, "unknown key" + hint);
      }
    }
  }

private:
  std::string name_;
};

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
  p.redis_host = v.at("redis.host").value;
  p.redis_port = to_int(v, "redis.port");
  if (auto it = v.find("redis.url"); it != v.end()) {
    p.redis_url = it->second.value;
  }
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

long long desired_workers(long long depth, const Profile& profile) {
  const long long avg = profile.average_value;
  const long long want = depth <= 0 ? 0 : (depth + avg - 1) / avg;
  return std::clamp<long long>(want, profile.min_replicas, profile.max_replicas);
}

Config Config::builtin() {
  Config c;
  c.profiles_["prod"] = ProfileDef{"prod", std::nullopt, k_builtin,
                                   layer_of({{"minReplicas", "2"}, {"maxReplicas", "20"}, {"averageValue", "10"}})};
  c.profiles_["dev"] = ProfileDef{"dev", std::nullopt, k_builtin,
                                  layer_of({{"minReplicas", "1"}, {"maxReplicas", "10"}, {"averageValue", "20"}})};
  return c;
}

Config Config::parse(const std::string& yaml_text, const std::string& name) {
  Config c = builtin();
  c.file_ = name;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw usage_error(fmt::format("{}:{}: invalid YAML: {}", name, e.mark.line + 1, e.msg));
  }
  if (root.IsNull() || !root.IsDefined()) {
    return c;
  }
  const FileParser parser(name);
  if (!root.IsMap()) {
    throw usage_error(fmt::format("{}:{}: the config must be a map with profiles, defaults and defaultProfile", name,
                                  root.Mark().line + 1));
  }
  Origin default_origin;
  for (const auto& kv : root) {
    const std::string k = kv.first.Scalar();
    if (k == "defaultProfile") {
      parser.check_scalar_node(kv.first, kv.second, k, Kind::dns_label);
      c.default_profile_ = kv.second.Scalar();
      default_origin = parser.at(kv.first);
    } else if (k == "defaults") {
      if (!kv.second.IsMap()) {
        throw config_error(parser.at(kv.first), k, "must be a map of profile keys");
      }
      parser.walk(kv.second, "", k, c.defaults_, false, nullptr);
    } else if (k == "profiles") {
      if (!kv.second.IsMap()) {
        throw config_error(parser.at(kv.first), k, "must be a map from profile name to its values");
      }
      for (const auto& prof : kv.second) {
        const std::string pname = prof.first.Scalar();
        const std::string ppath = "profiles." + pname;
        if (auto problem = check_scalar(Kind::dns_label, pname)) {
          throw config_error(parser.at(prof.first), ppath, "profile name " + *problem);
        }
        if (!prof.second.IsMap() && !prof.second.IsNull()) {
          throw config_error(parser.at(prof.first), ppath, "must be a map of profile keys");
        }
        ProfileDef& def = c.profiles_[pname];
        def.name = pname;
        def.origin = parser.at(prof.first);
        if (prof.second.IsMap()) {
          parser.walk(prof.second, "", ppath, def.values, true, &def.extends);
        }
      }
    } else {
      std::string hint;
      if (find_key(k) != nullptr || is_group(k)) {
        hint = fmt::format(" (profile keys go under profiles.<name> or defaults)");
      }
      throw config_error(parser.at(kv.first), k, "unknown key; expected profiles, defaults or defaultProfile" + hint);
    }
  }
  if (c.default_profile_ && !c.has_profile(*c.default_profile_)) {
    throw config_error(default_origin, "defaultProfile", fmt::format("no profile named \"{}\"", *c.default_profile_));
  }
  for (const auto& [pname, def] : c.profiles_) {
    if (def.extends && !c.has_profile(*def.extends)) {
      throw config_error(def.origin, "profiles." + pname + ".extends", fmt::format("no profile named \"{}\"", *def.extends));
    }
  }
  return c;
}

Config Config::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw usage_error(fmt::format("cannot read config file {}", file.string()));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), file.string());
}

std::vector<std::string> Config::profile_names() const {
  std::vector<std::string> names;
  for (const auto& [name, def] : profiles_) {
    names.push_back(name);
  }
  return names;
}

bool Config::has_profile(const std::string& name) const { return profiles_.count(name) != 0; }

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
  std::map<std::string, int> rank; // which layer set each key: later layers rank higher
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
  for (const auto& o : overrides) {
    const auto eq = o.text.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw usage_error(fmt::format("{} {}: expected key=value", o.label, o.text));
    }
    const std::string key = o.text.substr(0, eq);
    const std::string value = o.text.substr(eq + 1);
    const KeySpec* spec = find_key(key);
    if (spec == nullptr) {
      std::string hint;
      if (auto near = closest_key(key)) {
        hint = fmt::format(" (did you mean {}?)", *near);
      }
      throw usage_error(fmt::format("{} {}: unknown key{}", o.label, o.text, hint));
    }
    if (auto problem = check_scalar(spec->kind, value)) {
      throw usage_error(fmt::format("{} {}: {}", o.label, key, *problem));
    }
    merged[key] = Setting{key, value, {}, Origin{"", 0, o.label}, key};
    rank[key] = 1000;
  }
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
  ResolvedProfile out{build_profile(name, merged), {}, source};
  for (const auto& spec : profile_keys()) {
    if (auto it = merged.find(std::string(spec.key)); it != merged.end()) {
      out.settings.push_back(it->second);
    }
  }
  return out;
}

std::optional<std::filesystem::path> find_config_file(const std::string& flag) {
  if (!flag.empty()) {
    if (!std::filesystem::exists(flag)) {
      throw usage_error(fmt::format("config file {} does not exist", flag));
    }
    return flag;
  }
  if (const char* env = std::getenv("GRAFLOW_CONFIG"); env != nullptr && *env != '\0') {
    if (!std::filesystem::exists(env)) {
      throw usage_error(fmt::format("config file {} (from $GRAFLOW_CONFIG) does not exist", env));
    }
    return std::filesystem::path(env);
  }
  if (std::filesystem::exists("graflow.yaml")) {
    return std::filesystem::path("graflow.yaml");
  }
  std::filesystem::path xdg;
  if (const char* env = std::getenv("XDG_CONFIG_HOME"); env != nullptr && *env != '\0') {
    xdg = env;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    xdg = std::filesystem::path(home) / ".config";
  }
  if (!xdg.empty() && std::filesystem::exists(xdg / "graflowctl" / "config.yaml")) {
    return xdg / "graflowctl" / "config.yaml";
  }
  return std::nullopt;
}

Config load_config(const std::string& flag) {
  if (auto file = find_config_file(flag)) {
    return Config::load(*file);
  }
  return Config::builtin();
}

} // namespace graflow::config
