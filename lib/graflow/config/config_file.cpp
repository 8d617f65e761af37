// The config file: YAML (one document, no duplicate keys) checked key by key against the
// schema, every value keeping its file:line. Layering the result is config.cpp's business.
#include "graflow/config/layering.hpp"
#include "graflow/config/schema.hpp"
#include "graflow/core/files.hpp"
#include "graflow/core/yaml.hpp"

#include <fmt/format.h>
#include <set>

namespace graflow::config {
using detail::config_error;

namespace {

class FileParser {
public:
  explicit FileParser(std::string name) : name_(std::move(name)) {}

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
    // A quoted scalar is a string in YAML: "5" is not a number and "true" not a boolean,
    // for every typed key alike.
    if (numeric && value.Tag() == "!") {
      throw config_error(at(key), path, fmt::format("must be a whole number, not the string \"{}\"", value.Scalar()));
    }
    if (kind == Kind::boolean && value.Tag() == "!") {
      throw config_error(at(key), path, fmt::format("must be true or false, not the string \"{}\"", value.Scalar()));
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
        const std::string p = fmt::format("{}.{}", item_path, k);
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
      const std::string full = prefix.empty() ? k : fmt::format("{}.{}", prefix, k);
      const std::string file_path = fmt::format("{}.{}", path, k);
      if (allow_extends && prefix.empty() && k == "extends") {
        check_scalar_node(kv.first, kv.second, file_path, Kind::dns_label);
        *extends = kv.second.Scalar();
        continue;
      }
      if (const KeySpec* spec = find_key(full)) {
        Setting setting{full, "", {}, at(kv.first), file_path};
        if (spec->kind == Kind::policies) {
          setting.policies = parse_policies(kv.first, kv.second, file_path);
        } else if (spec->kind == Kind::queue_spec && kv.second.IsMap()) {
          // The map form of queue: kept as flow YAML (a scalar queue never starts with '{');
          // actions/resolve checks it with queues::queue_spec_from_yaml, naming this line.
          YAML::Emitter flow;
          flow.SetMapFormat(YAML::Flow);
          flow.SetSeqFormat(YAML::Flow);
          flow << kv.second;
          setting.value = flow.c_str();
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

} // namespace

Config Config::parse(const std::string& yaml_text, const std::string& name) {
  Config c = builtin();
  c.file_ = name;
  YAML::Node root;
  try {
    root = yaml::load_one(yaml_text);
  } catch (const yaml::ParseError& e) {
    throw usage_error(fmt::format("{}:{}: invalid YAML: {}", name, e.line(), e.what()));
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
  return parse(files::read_or_throw(file, "config file"), file.string());
}

} // namespace graflow::config
