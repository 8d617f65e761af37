// Which config file applies: --config, $GRAFLOW_CONFIG, ./graflow.yaml, the XDG config home.
#include "graflow/config/config.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/paths.hpp"

#include <fmt/format.h>

namespace graflow::config {

std::optional<std::filesystem::path> find_config_file(const std::string& flag, const Env& env) {
  if (!flag.empty()) {
    if (!std::filesystem::exists(flag)) {
      throw usage_error(fmt::format("config file {} does not exist", flag));
    }
    return flag;
  }
  if (const auto from_env = env.non_empty("GRAFLOW_CONFIG")) {
    if (!std::filesystem::exists(*from_env)) {
      throw usage_error(fmt::format("config file {} (from $GRAFLOW_CONFIG) does not exist", *from_env));
    }
    return std::filesystem::path(*from_env);
  }
  if (std::filesystem::exists("graflow.yaml")) {
    return std::filesystem::path("graflow.yaml");
  }
  if (const auto dir = paths::app_dir(paths::config_home(env)); dir && std::filesystem::exists(*dir / "config.yaml")) {
    return *dir / "config.yaml";
  }
  return std::nullopt;
}

Config load_config(const std::string& flag, const Env& env) {
  if (auto file = find_config_file(flag, env)) {
    return Config::load(*file);
  }
  return Config::builtin();
}

} // namespace graflow::config
