#pragma once
// client-go exec credential plugins (users[].user.exec): run without a shell, given
// KUBERNETES_EXEC_INFO, their ExecCredential parsed and cached until it expires.
#include "graflow/kube/kubeconfig.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace graflow::kube {

using SystemClock = std::function<std::chrono::system_clock::time_point()>;

struct ExecCredential {
  std::string token;           // secret
  std::string client_cert_pem;
  std::string client_key_pem;  // secret
  std::optional<std::chrono::system_clock::time_point> expiry; // none: valid for the whole process
};

// Parses a plugin's stdout (an ExecCredential of config.api_version). Throws a failure
// Error naming `plugin` when it is not JSON, has another apiVersion, or carries neither a
// token nor a certificate/key pair. The message never contains the credential.
ExecCredential parse_exec_credential(const std::string& json_text, const std::string& api_version,
                                     const std::string& plugin);

// The KUBERNETES_EXEC_INFO a plugin receives (with spec.cluster when provideClusterInfo).
std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive);

// RFC 3339 ("2024-05-01T10:00:00Z", "…T10:00:00.5+02:00"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

// $XDG_CACHE_HOME/graflowctl/exec, else ~/.cache/graflowctl/exec; empty without a home.
std::filesystem::path default_exec_cache_dir();

// Gives the current credential of one exec-plugin user. A credential is reused until its
// expirationTimestamp: in memory for the whole process (shared between providers of the
// same plugin), and on disk (files of mode 0600 in `cache_dir`) across processes.
class ExecCredentialProvider {
public:
  struct Options {
    std::filesystem::path cache_dir; // empty: no disk cache
    SystemClock now;                 // empty: the system clock
  };

  // `cluster` supplies the cluster info for KUBERNETES_EXEC_INFO and names the user in
  // messages; cluster.auth.exec must be set.
  ExecCredentialProvider(RestConfig cluster, Options options);

  // A credential that has not expired: cached, or fresh from running the plugin. Throws a
  // failure Error with the plugin's stderr and installHint when the plugin fails.
  ExecCredential get();
  // Drops the cached credential (memory and disk), e.g. after the server answered 401.
  void invalidate();
  // Forgets every credential held in memory, as a new process would (for tests).
  static void clear_memory_cache();
  // The plugin's command, for messages.
  [[nodiscard]] const std::string& command() const { return exec_.command; }

private:
  ExecCredential run_plugin();
  [[nodiscard]] std::chrono::system_clock::time_point now() const;
  [[nodiscard]] bool valid(const ExecCredential& c) const;

  RestConfig cluster_;
  ExecConfig exec_;
  Options options_;
  std::string key_; // identifies the plugin invocation in the caches
};

} // namespace graflow::kube
