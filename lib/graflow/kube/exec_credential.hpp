#pragma once
// client-go exec credential plugins (users[].user.exec): run without a shell, given
// KUBERNETES_EXEC_INFO, their ExecCredential parsed and cached until it expires.
// exec_credential.cpp parses, exec_cache.cpp caches, exec_provider.cpp runs the plugin.
#include "graflow/core/env.hpp"
#include "graflow/kube/kubeconfig.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace graflow::kube {

// The wall-clock time, injectable (tests); empty: the system clock.
using NowFn = std::function<std::chrono::system_clock::time_point()>;
// The old name of NowFn, still used by kube/client.hpp; it is not graflow::SystemClock.
using SystemClock = NowFn;

// The bound of a plugin run when the caller gives none: kubectl's default request timeout.
inline constexpr std::chrono::milliseconds k_default_exec_timeout{30'000};

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

// RFC 3339; kept for callers of the old name, see graflow::time::parse_rfc3339.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

// $XDG_CACHE_HOME/graflowctl/exec, else ~/.cache/graflowctl/exec; empty without a home.
std::filesystem::path default_exec_cache_dir(const Env& env);
// The same from the process environment, for kube/client.hpp until Services hands an Env.
std::filesystem::path default_exec_cache_dir();

// Gives the current credential of one exec-plugin user. A credential is reused until its
// expirationTimestamp: in memory for the whole process (shared between providers of the
// same plugin), and on disk (files of mode 0600 in `cache_dir`) across processes.
class ExecCredentialProvider {
public:
  struct Options {
    std::filesystem::path cache_dir;                  // empty: no disk cache
    NowFn now;                                        // empty: the system clock
    std::chrono::milliseconds timeout = k_default_exec_timeout; // a hung plugin is killed after this
    const Env* env = nullptr;                         // for the PATH lookup; null: the process's
  };

  // `cluster` supplies the cluster info for KUBERNETES_EXEC_INFO and names the user in
  // messages; cluster.auth.exec must be set.
  ExecCredentialProvider(RestConfig cluster, Options options);

  // A credential that has not expired: cached, or fresh from running the plugin. Throws a
  // failure Error with the plugin's stderr (credentials in it redacted) and installHint
  // when the plugin fails, or when it runs longer than the timeout (then it is killed).
  ExecCredential get();
  // Drops the cached credential (memory and disk), e.g. after the server answered 401.
  void invalidate();
  // Forgets every credential held in memory, as a new process would (for tests).
  static void clear_memory_cache();
  // The plugin's command, for messages.
  [[nodiscard]] const std::string& command() const { return exec_.command; }

private:
  // Runs the plugin and parses its output; `raw` receives the output for the disk cache.
  ExecCredential run_plugin(std::string& raw);
  [[nodiscard]] std::chrono::system_clock::time_point now() const;

  RestConfig cluster_;
  ExecConfig exec_;
  Options options_;
  std::string key_; // identifies the plugin invocation in the caches
};

} // namespace graflow::kube
