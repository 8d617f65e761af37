#include "graflow/actions/redis_hint.hpp"

#include <fmt/format.h>

namespace graflow::actions {
namespace {

bool has(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

// Each setting for graflowctl itself, with the profile key that sets it for the exporter.
constexpr const char* k_ca = "give the CA that signed the server's certificate with --redis-ca-file FILE "
                             "(the exporter: redis.tls.caSecret or redis.tls.caConfigMap)";
constexpr const char* k_name = "reach Redis by a name its certificate holds, or check that name with "
                               "--redis-tls-server-name NAME (the exporter: redis.tls.serverName)";
constexpr const char* k_client = "give a client certificate the server trusts with --redis-cert-file and "
                                 "--redis-key-file (the exporter: redis.tls.certSecret)";
constexpr const char* k_password = "give the password with --redis-password-file FILE or $GRAFLOW_REDIS_PASSWORD, "
                                   "and the ACL user in the URL (redis://USER@host); the exporter reads it from "
                                   "redis.passwordSecret";

} // namespace

std::string redis_mode(const std::optional<redis::TlsInfo>& tls) {
  if (!tls) {
    return "plaintext";
  }
  if (!tls->verified) {
    return fmt::format("TLS: {}, certificate NOT verified", tls->version);
  }
  return fmt::format("TLS: {}, certificate verified for {}", tls->version, tls->peer_name);
}

std::string redis_failure_hint(const std::string& message, bool tls) {
  // Certificates: the TLS layer's messages say which check failed.
  if (has(message, ") expired on ")) {
    return "the server's certificate has expired: renew it (--redis-insecure-skip-tls-verify only hides this)";
  }
  if (has(message, ") is not valid before ")) {
    return "the server's certificate is not valid yet: check the clocks of this machine and of the issuer";
  }
  if (has(message, "signed by an unknown CA")) {
    return k_ca;
  }
  if (has(message, "certificate name mismatch")) {
    return k_name;
  }
  if (has(message, "client certificate")) {
    return k_client;
  }
  if (has(message, "does not speak TLS") || has(message, "a plaintext Redis?")) {
    return "that port serves plaintext Redis: use a redis:// URL, or the server's TLS port (tls-port)";
  }
  if (has(message, "offers no TLS 1.2 or later")) {
    return "graflowctl needs TLS 1.2 or later: raise the server's tls-protocols";
  }
  // Credentials: WRONGPASS (rejected) and NOAUTH (none sent).
  if (has(message, "rejected the credentials") || has(message, "requires a password")) {
    return k_password;
  }
  if (has(message, "cannot reach Redis at ")) {
    if (has(message, "connection refused")) {
      return fmt::format("nothing listens there: is Redis running, and is that its {}port? Set it with "
                         "--redis-url (or $GRAFLOW_REDIS_URL)",
                         tls ? "TLS " : "");
    }
    if (has(message, "timed out")) {
      return "no answer to the connection: check the host, the port and firewalls (or raise --redis-timeout)";
    }
    return "check the host in --redis-url (or $GRAFLOW_REDIS_URL) resolves and is reachable from here";
  }
  if (has(message, "did not answer") || has(message, "did not finish within")) {
    return "Redis accepted the connection but did not answer in time: is it overloaded or blocked "
           "(SLOWLOG, CLIENT LIST)? --redis-timeout gives it longer";
  }
  return "check --redis-url (or $GRAFLOW_REDIS_URL); the workers and the exporter use redis.host of the profile";
}

} // namespace graflow::actions
