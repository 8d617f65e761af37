// redis.passwordSecret and redis.tls in profiles: parsed into the Profile, checked together,
// errors with file:line, defaults for the key names.
#include "graflow/config/config.hpp"
#include "graflow/core/error.hpp"

#include <doctest/doctest.h>

using graflow::Error;
using graflow::Exit;
using graflow::config::Config;

namespace {

std::string error_of(const std::string& yaml, const std::vector<graflow::config::Override>& sets = {}) {
  try {
    (void)Config::parse(yaml, "graflow.yaml").resolve("prod", sets);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    return e.what();
  }
  FAIL("no error for: " << yaml);
  return "";
}

std::string value_of(const graflow::config::ResolvedProfile& r, const std::string& key, std::string* from = nullptr) {
  for (const auto& s : r.settings) {
    if (s.key == key) {
      if (from != nullptr) {
        *from = s.origin.describe();
      }
      return s.value;
    }
  }
  return "(unset)";
}

} // namespace

TEST_CASE("a profile without redis secrets renders a plaintext exporter, as before") {
  const auto p = Config::builtin().resolve("prod").profile;
  CHECK_FALSE(p.redis_password_secret);
  CHECK_FALSE(p.redis_tls.enabled);
  CHECK_FALSE(p.redis_tls.ca_secret);
  CHECK_FALSE(p.redis_tls.client_cert);
}

TEST_CASE("redis.passwordSecret and redis.tls are read, with the conventional key names as defaults") {
  const std::string yaml = "profiles:\n"
                           "  prod:\n"
                           "    redis:\n"
                           "      passwordSecret: {name: redis-auth, key: password}\n"
                           "      tls:\n"
                           "        enabled: true\n"
                           "        caSecret: {name: redis-ca}\n"
                           "        certSecret:\n"
                           "          name: exporter-client.v2\n"
                           "        serverName: redis.data.svc\n";
  const auto r = Config::parse(yaml, "graflow.yaml").resolve("prod");
  const auto& p = r.profile;
  REQUIRE(p.redis_password_secret);
  CHECK(p.redis_password_secret->name == "redis-auth");
  CHECK(p.redis_password_secret->key == "password");
  CHECK(p.redis_tls.enabled);
  REQUIRE(p.redis_tls.ca_secret);
  CHECK(p.redis_tls.ca_secret->name == "redis-ca");
  CHECK(p.redis_tls.ca_secret->key == "ca.crt");
  CHECK_FALSE(p.redis_tls.ca_config_map);
  REQUIRE(p.redis_tls.client_cert);
  CHECK(p.redis_tls.client_cert->name == "exporter-client.v2");
  CHECK(p.redis_tls.client_cert->cert_key == "tls.crt");
  CHECK(p.redis_tls.client_cert->key_key == "tls.key");
  CHECK(p.redis_tls.server_name == "redis.data.svc");
  CHECK_FALSE(p.redis_tls.insecure_skip_verify);

  // `profiles show` lists the defaults it filled in, and says so.
  std::string from;
  CHECK(value_of(r, "redis.tls.certSecret.keyKey", &from) == "tls.key");
  CHECK(from == "default");
  CHECK(value_of(r, "redis.tls.caSecret.name", &from) == "redis-ca");
  CHECK(from == "graflow.yaml:7");

  // A ConfigMap CA with its own key, explicit key names, and --set on top.
  const auto q = Config::parse("profiles:\n  prod:\n    redis:\n      tls:\n        enabled: true\n"
                               "        caConfigMap: {name: kube-root-ca.crt, key: ca.crt}\n"
                               "        certSecret: {name: c, certKey: cert.pem, keyKey: key.pem}\n",
                               "graflow.yaml")
                     .resolve("prod", {{"redis.tls.insecureSkipVerify=true", "--set"}})
                     .profile;
  REQUIRE(q.redis_tls.ca_config_map);
  CHECK(q.redis_tls.ca_config_map->name == "kube-root-ca.crt");
  CHECK(q.redis_tls.client_cert->cert_key == "cert.pem");
  CHECK(q.redis_tls.client_cert->key_key == "key.pem");
  CHECK(q.redis_tls.insecure_skip_verify);

  // `enabled: false` turns off what `defaults` set up.
  const auto off = Config::parse("defaults:\n  redis:\n    tls:\n      enabled: true\n      caSecret: {name: ca}\n"
                                 "profiles:\n  dev:\n    redis:\n      tls:\n        enabled: false\n",
                                 "graflow.yaml")
                       .resolve("dev")
                       .profile;
  CHECK_FALSE(off.redis_tls.enabled);
  CHECK_FALSE(off.redis_tls.ca_secret);
}

TEST_CASE("redis secrets that do not fit together: file, line and key") {
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      passwordSecret:\n        name: auth\n") ==
        "graflow.yaml:5: profiles.prod.redis.passwordSecret.name: needs redis.passwordSecret.key too (the key of "
        "the password in that Secret)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      passwordSecret: {key: pw}\n") ==
        "graflow.yaml:4: profiles.prod.redis.passwordSecret.key: needs redis.passwordSecret.name too (the Secret "
        "that holds the password)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        caSecret: {name: ca}\n") ==
        "graflow.yaml:5: profiles.prod.redis.tls.caSecret.name: is set but redis.tls.enabled is not: set it to true "
        "(or false)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        enabled: true\n        caSecret: {key: x}\n") ==
        "graflow.yaml:6: profiles.prod.redis.tls.caSecret.key: needs redis.tls.caSecret.name too (the object that "
        "holds it)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        enabled: true\n"
                 "        certSecret: {keyKey: k}\n") ==
        "graflow.yaml:6: profiles.prod.redis.tls.certSecret.keyKey: needs redis.tls.certSecret.name too (the object "
        "that holds it)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        enabled: true\n"
                 "        certSecret: {name: c, certKey: tls.key}\n") ==
        "graflow.yaml:6: profiles.prod.redis.tls.certSecret.certKey: the certificate and the key cannot both be "
        "tls.key");
  // Two CA sources: the one set last is blamed.
  CHECK(error_of("defaults:\n  redis:\n    tls:\n      enabled: true\n      caSecret: {name: ca}\n"
                 "profiles:\n  prod:\n    redis:\n      tls:\n        caConfigMap: {name: ca-map}\n") ==
        "graflow.yaml:10: profiles.prod.redis.tls.caConfigMap.name: the CA comes from a Secret or a ConfigMap, not "
        "both (redis.tls.caSecret.name is set at graflow.yaml:5)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        enabled: true\n        caConfigMap: {name: m}\n",
                 {{"redis.tls.caSecret.name=s", "--set"}}) ==
        "--set redis.tls.caSecret.name: the CA comes from a Secret or a ConfigMap, not both "
        "(redis.tls.caConfigMap.name is set at graflow.yaml:6)");
}

TEST_CASE("redis secret names and keys are checked like Kubernetes does; unknown keys get a hint") {
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      passwordSecret: {name: Redis_Auth, key: pw}\n") ==
        "graflow.yaml:4: profiles.prod.redis.passwordSecret.name: \"Redis_Auth\" is not a valid name: a DNS-1123 "
        "subdomain has at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or "
        "digit");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      passwordSecret: {name: auth, key: a/b}\n") ==
        "graflow.yaml:4: profiles.prod.redis.passwordSecret.key: \"a/b\" is not a valid key of a Secret or "
        "ConfigMap: letters, digits, '-', '_' and '.'");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        enabled: yes please\n") ==
        "graflow.yaml:5: profiles.prod.redis.tls.enabled: must be true or false, not \"yes please\"");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls: true\n") ==
        "graflow.yaml:4: profiles.prod.redis.tls: must be a map");
  // A misspelt map is matched to the map, a misspelt key to the key.
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        caSecrets: {name: ca}\n") ==
        "graflow.yaml:5: profiles.prod.redis.tls.caSecrets: unknown key (did you mean redis.tls.caSecret?)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      tls:\n        certSecret: {name: c, keykey: k}\n") ==
        "graflow.yaml:5: profiles.prod.redis.tls.certSecret.keykey: unknown key (did you mean "
        "redis.tls.certSecret.keyKey?)");
  CHECK(error_of("profiles:\n  prod:\n    redis:\n      passwordSecrets: {name: a, key: b}\n") ==
        "graflow.yaml:4: profiles.prod.redis.passwordSecrets: unknown key (did you mean redis.passwordSecret?)");
  CHECK(error_of("", {{"redis.tls.servername=x", "--set"}}) ==
        "--set redis.tls.servername=x: unknown key (did you mean redis.tls.serverName?)");
}
