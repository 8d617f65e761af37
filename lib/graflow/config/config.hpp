#pragma once
// Profiles: the built-in prod and dev, a config file that adds or overrides them, and
// --set for single values. Every value remembers where it came from, so an error names
// the file, line and key, and `profiles show` can say why a value is what it is.
#include "graflow/config/profile.hpp"
#include "graflow/core/env.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::config {

struct Origin {
  std::string file; // empty: built-in or command line
  int line = 0;
  std::string label; // "built-in" or "--set" when file is empty

  [[nodiscard]] std::string describe() const;
};

// One value. Scalars are kept as text; policy lists as parsed entries.
struct Setting {
  std::string key;
  std::string value;
  std::vector<ScalingPolicy> policies;
  Origin origin;
  std::string path; // the key as spelled where it was set, e.g. profiles.prod.minReplicas
};

using Layer = std::map<std::string, Setting>;

struct ProfileDef {
  std::string name;
  std::optional<std::string> extends;
  Origin origin;
  Layer values;
};

// One `key=value` from the command line or the environment; `label` says where it came
// from in messages ("--set", "--key-prefix", "$KEY_PREFIX").
struct Override {
  std::string text;
  std::string label = "--set";
};

struct ResolvedProfile {
  Profile profile;
  std::vector<Setting> settings; // every key with a value, in schema order
  std::string source;            // "built-in" or the file that defines or changes it
};

class Config {
public:
  // The built-in profiles only.
  static Config builtin();
  // The built-in profiles overlaid with a config file. Throws a usage Error with
  // `file:line: key: what is wrong` for anything invalid.
  static Config load(const std::filesystem::path& file);
  // Parses YAML text as if read from `name` (for tests and for load()).
  static Config parse(const std::string& yaml_text, const std::string& name);

  [[nodiscard]] std::vector<std::string> profile_names() const;
  [[nodiscard]] bool has_profile(const std::string& name) const;
  // Every value of `key` the file sets (in `defaults` and in each profile), for checks that
  // need a layer above config (redis.url is parsed by redis/).
  [[nodiscard]] std::vector<const Setting*> file_settings(std::string_view key) const;
  [[nodiscard]] const std::optional<std::string>& default_profile() const { return default_profile_; }
  [[nodiscard]] const std::optional<std::string>& file() const { return file_; }

  // Resolves a profile: built-in base values, the file's `defaults`, the profile (and
  // the ones it extends), then each `key=value` of --set. Validates the result.
  [[nodiscard]] ResolvedProfile resolve(const std::string& name, const std::vector<Override>& overrides = {}) const;

private:
  std::map<std::string, ProfileDef> profiles_;
  Layer defaults_;
  std::optional<std::string> default_profile_;
  std::optional<std::string> file_;
};

// Where the config comes from: --config, else $GRAFLOW_CONFIG, else ./graflow.yaml, else
// $XDG_CONFIG_HOME/graflowctl/config.yaml (~/.config when unset). nullopt: none exists.
// An explicitly named file that does not exist is a usage Error.
std::optional<std::filesystem::path> find_config_file(const std::string& flag, const Env& env);

// find_config_file + load, or the built-in profiles when there is no file.
Config load_config(const std::string& flag, const Env& env);

} // namespace graflow::config
