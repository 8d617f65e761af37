#pragma once
// Internal to config/: the pieces the file parser, the layering and --set share.
#include "graflow/config/config.hpp"
#include "graflow/core/error.hpp"

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace graflow::config::detail {

// Where built-in values come from (a function: a namespace-scope Origin would allocate, and
// could throw, before main).
inline Origin builtin_origin() { return {"", 0, "built-in"}; }

// Which layer set each key (built-in 0, defaults 1, profiles 2.., --set highest), so an
// error can blame the value set last.
using Ranks = std::map<std::string, int>;
inline constexpr int k_override_rank = 1000;

// A layer of built-in values.
Layer layer_of(std::initializer_list<std::pair<const char*, const char*>> values);

// `file:line: key: what` for the config file, `--set key: what` for the command line.
Error config_error(const Origin& origin, const std::string& key, const std::string& what);

// Applies each `key=value` (from --set, --key-prefix, $KEY_PREFIX) on top of `merged`.
// Throws a usage Error naming the option for a malformed item, an unknown key or a bad value.
void apply_overrides(const std::vector<Override>& overrides, Layer& merged, Ranks& rank);

// Checks the redis.passwordSecret and redis.tls keys of a merged profile together (a Secret's
// key needs its name, TLS settings need redis.tls.enabled, one source for the CA) and adds
// the default key names (ca.crt, tls.crt, tls.key). Throws a usage Error naming the setting.
void check_redis_settings(Layer& merged, const Ranks& rank);

// Fills the profile's redis_password_secret and redis_tls from a checked layer.
void build_redis_settings(const Layer& merged, Profile& profile);

} // namespace graflow::config::detail
