#pragma once
// kubeconfig, read and merged the way kubectl does it, and in-cluster configuration.
// The result is a RestConfig: where the API server is, how to trust it, and how to
// authenticate. Fields marked "secret" are never logged or put into error messages.
#include "graflow/core/env.hpp"
#include "graflow/net/http.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graflow::kube {

// users[].user.exec: a client-go credential plugin (client.authentication.k8s.io/v1, v1beta1).
struct ExecConfig {
  std::string api_version;
  std::string command; // made absolute when written with a '/'; otherwise looked up in PATH
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode = "IfAvailable"; // Never, IfAvailable, Always
};

struct Cluster {
  std::string server;
  std::string certificate_authority;      // path, absolute
  std::string certificate_authority_data; // PEM, decoded
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string source; // the file that defines it
};

struct User {
  std::string token;      // secret
  std::string token_file; // path, absolute
  std::string client_certificate;
  std::string client_certificate_data; // PEM, decoded
  std::string client_key;
  std::string client_key_data; // secret; PEM, decoded
  std::string username;
  std::string password; // secret
  std::optional<ExecConfig> exec;
  std::string auth_provider; // name of a legacy auth-provider, which graflowctl refuses
  std::string source;
};

struct Context {
  std::string cluster;
  std::string user;
  std::string namespace_;
  std::string source;
};

// One kubeconfig file, or several merged.
struct Kubeconfig {
  std::vector<std::filesystem::path> files; // the files read, in order
  std::map<std::string, Cluster> clusters;
  std::map<std::string, User> users;
  std::map<std::string, Context> contexts;
  std::string current_context;
  std::string current_context_source;

  [[nodiscard]] bool empty() const { return clusters.empty() && users.empty() && contexts.empty(); }
};

// Parses one kubeconfig as if read from `file`: relative paths resolve against its
// directory, *-data fields are base64-decoded. Throws a usage Error naming the file (and
// line and entry) for YAML errors, wrong types, duplicate names and bad base64.
Kubeconfig parse_kubeconfig(const std::string& yaml_text, const std::filesystem::path& file);

// kubectl's merge: a cluster, user or context already in `into` wins over one of the same
// name in `later`, and so does a non-empty current-context.
void merge_kubeconfig(Kubeconfig& into, const Kubeconfig& later);

struct LoadOptions {
  std::string kubeconfig; // --kubeconfig, ':'-separated; empty: $KUBECONFIG, else ~/.kube/config
  std::string context;    // --context; empty: current-context
  std::string namespace_; // -n; empty: the context's, else "default"
  // In-cluster credentials; $GRAFLOW_SERVICEACCOUNT_DIR overrides the default (for tests).
  std::filesystem::path serviceaccount_dir;
  // The environment (HOME, KUBECONFIG, KUBERNETES_SERVICE_*...); null: the process's.
  const Env* env = nullptr;
  // Older form of `env`, still honoured first when set.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// Where the kubeconfig comes from.
struct KubeconfigPaths {
  std::vector<std::filesystem::path> paths;
  bool explicit_ = false; // from --kubeconfig: a missing file is an error, not skipped
  std::string origin;     // "--kubeconfig", "$KUBECONFIG" or "~/.kube/config"
};

// --kubeconfig, else $KUBECONFIG (empty entries and duplicates dropped), else ~/.kube/config.
KubeconfigPaths kubeconfig_paths(const LoadOptions& options);

// Reads and merges the files. Missing files are skipped unless explicit (then: usage Error).
Kubeconfig load_kubeconfig(const KubeconfigPaths& paths);

enum class NamespaceSource { flag, context, service_account, fallback };

struct Auth {
  std::string token;                 // secret; a static bearer token
  std::filesystem::path token_file;  // a bearer token re-read from this file (tokens rotate)
  std::string username;              // basic auth
  std::string password;              // secret
  std::optional<ExecConfig> exec;    // a credential plugin, run on demand
};

// Everything needed to talk to one API server.
struct RestConfig {
  std::string server; // https://host:port[/prefix], without a trailing '/'
  net::TlsOptions tls;
  Auth auth;
  std::string namespace_;
  NamespaceSource namespace_source = NamespaceSource::fallback;
  std::string context; // empty for in-cluster config
  std::string cluster;
  std::string user;
  std::vector<std::filesystem::path> files; // the kubeconfig files read (empty: in-cluster)

  // `context "kind-x" (https://127.0.0.1:6443)` or `in-cluster config (https://10.0.0.1:443)`,
  // for messages and -v logs.
  [[nodiscard]] std::string describe() const;
  // Where the namespace came from: "--namespace", `context "x"`, "service account", "default".
  [[nodiscard]] std::string namespace_origin() const;
  // The kubeconfig files as one string for messages ("a.yaml:b.yaml").
  [[nodiscard]] std::string files_string() const;
};

// Resolves the context (`options.context` or current-context) of a loaded kubeconfig.
// Usage Errors, worded like kubectl's: `context "x" does not exist`, no current-context,
// a context naming a missing cluster or user, a cluster without server, an unreadable
// certificate file, an unsupported auth-provider, conflicting auth methods.
RestConfig resolve_rest_config(const Kubeconfig& config, const LoadOptions& options);

// The pod's service account: $KUBERNETES_SERVICE_HOST/PORT and token, ca.crt, namespace
// in options.serviceaccount_dir. nullopt when not running in a pod.
std::optional<RestConfig> in_cluster_config(const LoadOptions& options);

// kubectl's order: the kubeconfig files, else (when none exists and no --kubeconfig or
// --context was given) the in-cluster config, else a usage Error saying where it looked.
RestConfig load_rest_config(const LoadOptions& options);

} // namespace graflow::kube
