// redis.passwordSecret and redis.tls: the keys that only make sense together, checked once
// every layer is merged (a profile may name the Secret that `defaults` gives the key of).
#include "graflow/config/layering.hpp"

#include <fmt/format.h>

namespace graflow::config::detail {
namespace {

// Where a default key name comes from in `profiles show`.
constexpr const char* default_label = "default";
Origin default_origin() { return {"", 0, default_label}; }

const Setting* find(const Layer& v, const std::string& key) {
  auto it = v.find(key);
  return it == v.end() ? nullptr : &it->second;
}

// `key` of a {name, key...} map set without the map's name: nothing to read it from.
void require_name(const Layer& v, const std::string& map, std::initializer_list<const char*> keys) {
  if (find(v, map + ".name") != nullptr) {
    return;
  }
  for (const char* k : keys) {
    if (const Setting* s = find(v, map + "." + k)) {
      throw config_error(s->origin, s->path, fmt::format("needs {}.name too (the object that holds it)", map));
    }
  }
}

void default_key(Layer& v, const std::string& key, const char* value) {
  if (v.count(key) == 0) {
    v[key] = Setting{key, value, {}, default_origin(), key};
  }
}

} // namespace

void check_redis_settings(Layer& v, const Ranks& rank) {
  const Setting* password_name = find(v, "redis.passwordSecret.name");
  const Setting* password_key = find(v, "redis.passwordSecret.key");
  if (password_key != nullptr && password_name == nullptr) {
    throw config_error(password_key->origin, password_key->path,
                       "needs redis.passwordSecret.name too (the Secret that holds the password)");
  }
  if (password_name != nullptr && password_key == nullptr) {
    // No convention to fall back on: charts name it password, redis-password, auth...
    throw config_error(password_name->origin, password_name->path,
                       "needs redis.passwordSecret.key too (the key of the password in that Secret)");
  }

  // TLS settings without redis.tls.enabled are a mistake, not a silent plaintext exporter;
  // an explicit `enabled: false` (a profile turning off what `defaults` set) is not.
  if (find(v, "redis.tls.enabled") == nullptr) {
    for (const auto& [key, s] : v) {
      if (key.rfind("redis.tls.", 0) == 0) {
        throw config_error(s.origin, s.path, "is set but redis.tls.enabled is not: set it to true (or false)");
      }
    }
    return;
  }
  require_name(v, "redis.tls.caSecret", {"key"});
  require_name(v, "redis.tls.caConfigMap", {"key"});
  require_name(v, "redis.tls.certSecret", {"certKey", "keyKey"});
  const Setting* ca_secret = find(v, "redis.tls.caSecret.name");
  const Setting* ca_config_map = find(v, "redis.tls.caConfigMap.name");
  if (ca_secret != nullptr && ca_config_map != nullptr) {
    // Blame the one set last: that is the one the user just added.
    const auto rank_of = [&](const std::string& k) {
      auto it = rank.find(k);
      return it == rank.end() ? 0 : it->second;
    };
    const bool map_later = rank_of("redis.tls.caConfigMap.name") >= rank_of("redis.tls.caSecret.name");
    const Setting& later = map_later ? *ca_config_map : *ca_secret;
    const Setting& other = map_later ? *ca_secret : *ca_config_map;
    throw config_error(later.origin, later.path,
                       fmt::format("the CA comes from a Secret or a ConfigMap, not both ({} is set at {})", other.key,
                                   other.origin.describe()));
  }
  if (ca_secret != nullptr) {
    default_key(v, "redis.tls.caSecret.key", "ca.crt");
  }
  if (ca_config_map != nullptr) {
    default_key(v, "redis.tls.caConfigMap.key", "ca.crt");
  }
  if (find(v, "redis.tls.certSecret.name") != nullptr) {
    default_key(v, "redis.tls.certSecret.certKey", "tls.crt"); // a kubernetes.io/tls Secret
    default_key(v, "redis.tls.certSecret.keyKey", "tls.key");
    const Setting& cert = v.at("redis.tls.certSecret.certKey");
    const Setting& key = v.at("redis.tls.certSecret.keyKey");
    if (cert.value == key.value) {
      const Setting& set = key.origin.label == default_label ? cert : key; // not the default
      throw config_error(set.origin, set.path, fmt::format("the certificate and the key cannot both be {}", key.value));
    }
  }
}

void build_redis_settings(const Layer& v, Profile& p) {
  if (const Setting* user = find(v, "redis.username")) {
    p.redis_username = user->value;
  }
  if (const Setting* name = find(v, "redis.passwordSecret.name")) {
    p.redis_password_secret = ObjectKey{name->value, v.at("redis.passwordSecret.key").value};
  }
  const Setting* enabled = find(v, "redis.tls.enabled");
  if (enabled == nullptr || enabled->value != "true") {
    return;
  }
  RedisTls& tls = p.redis_tls;
  tls.enabled = true;
  if (const Setting* name = find(v, "redis.tls.caSecret.name")) {
    tls.ca_secret = ObjectKey{name->value, v.at("redis.tls.caSecret.key").value};
  }
  if (const Setting* name = find(v, "redis.tls.caConfigMap.name")) {
    tls.ca_config_map = ObjectKey{name->value, v.at("redis.tls.caConfigMap.key").value};
  }
  if (const Setting* name = find(v, "redis.tls.certSecret.name")) {
    tls.client_cert = ClientCertSecret{name->value, v.at("redis.tls.certSecret.certKey").value,
                                       v.at("redis.tls.certSecret.keyKey").value};
  }
  if (const Setting* name = find(v, "redis.tls.serverName")) {
    tls.server_name = name->value;
  }
  const Setting* insecure = find(v, "redis.tls.insecureSkipVerify");
  tls.insecure_skip_verify = insecure != nullptr && insecure->value == "true";
}

} // namespace graflow::config::detail
