// Resolving a context of a loaded kubeconfig (or the pod's service account) into a
// RestConfig. Reading and parsing the files is kubeconfig_parse.cpp's business.
#include "graflow/kube/kubeconfig.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "graflow/core/paths.hpp"
#include "graflow/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace graflow::kube {
namespace fs = std::filesystem;

namespace {

const char* const k_serviceaccount_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

// The environment LoadOptions describes: its getenv function (older callers), its Env, or
// the process's.
class OptionsEnv final : public Env {
public:
  explicit OptionsEnv(const LoadOptions& options) : options_(options) {}
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override {
    if (options_.getenv) {
      return options_.getenv(std::string(name));
    }
    if (options_.env != nullptr) {
      return options_.env->get(name);
    }
    return ProcessEnv().get(name);
  }

private:
  const LoadOptions& options_;
};

std::string nonempty_env(const LoadOptions& options, const std::string& name) {
  return OptionsEnv(options).get(name).value_or("");
}

const char* const k_dns_label_rule =
    "a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit";

void check_flag_namespace(const std::string& ns) {
  if (!text::is_dns1123_label(ns)) {
    throw usage_error(fmt::format("--namespace \"{}\" is not a valid namespace name ({})", ns, k_dns_label_rule));
  }
}

// What is wrong with an http(s):// server URL, if anything: the host, the port, spaces.
std::optional<std::string> server_url_problem(const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string rest = url.substr(scheme_end + 3);
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; })) {
    return "it contains a space or control character";
  }
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) {
    return "credentials in the URL are not supported (use the user's token or certificate)";
  }
  std::string host = authority;
  std::string port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      return "the IPv6 address has no closing ']'";
    }
    host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return "unexpected text after the IPv6 address";
      }
      port = after.substr(1);
      if (port.empty()) {
        return "the port is empty";
      }
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) {
      return "the port is empty";
    }
  }
  if (host.empty()) {
    return "it has no host";
  }
  if (!authority.starts_with('[') &&
      !std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_'; })) {
    return fmt::format("\"{}\" is not a host name or IP address", host);
  }
  if (!port.empty()) {
    const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return fmt::format("port \"{}\" is not a number from 1 to 65535", port);
    }
  }
  return std::nullopt;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return "";
  }
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string home_dir(const LoadOptions& options) {
  return paths::home_dir(OptionsEnv(options)).value_or(fs::path()).string();
}

std::vector<fs::path> split_paths(const std::string& list) {
  std::vector<fs::path> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find(':', start), list.size());
    const std::string item = list.substr(start, end - start);
    if (!item.empty() && std::find(out.begin(), out.end(), fs::path(item)) == out.end()) {
      out.emplace_back(item);
    }
    start = end + 1;
  }
  return out;
}

std::string read_credential_file(const std::string& path, const char* what, const std::string& owner) {
  files::ReadError error;
  auto text = files::try_read(path, error);
  if (!text) {
    throw usage_error(fmt::format("cannot read {} {} of {}: {}", what, path, owner, error.reason));
  }
  return std::move(*text);
}

fs::path serviceaccount_dir(const LoadOptions& options) {
  if (!options.serviceaccount_dir.empty()) {
    return options.serviceaccount_dir;
  }
  const std::string env = nonempty_env(options, "GRAFLOW_SERVICEACCOUNT_DIR");
  return env.empty() ? fs::path(k_serviceaccount_dir) : fs::path(env);
}

std::string context_names(const Kubeconfig& config) {
  std::string names;
  for (const auto& [name, c] : config.contexts) {
    names += (names.empty() ? "" : ", ") + name;
  }
  return names.empty() ? "none" : names;
}

} // namespace

KubeconfigPaths kubeconfig_paths(const LoadOptions& options) {
  if (!options.kubeconfig.empty()) {
    return {split_paths(options.kubeconfig), true, "--kubeconfig"};
  }
  if (const std::string env = nonempty_env(options, "KUBECONFIG"); !env.empty()) {
    return {split_paths(env), false, "$KUBECONFIG"};
  }
  const std::string home = home_dir(options);
  if (home.empty()) {
    return {{}, false, "~/.kube/config"};
  }
  return {{fs::path(home) / ".kube" / "config"}, false, "~/.kube/config"};
}

std::string RestConfig::describe() const {
  if (context.empty()) {
    return fmt::format("in-cluster config ({})", server);
  }
  return fmt::format("context \"{}\" ({})", context, server);
}

std::string RestConfig::namespace_origin() const {
  switch (namespace_source) {
  case NamespaceSource::flag:
    return "--namespace";
  case NamespaceSource::context:
    return fmt::format("context \"{}\"", context);
  case NamespaceSource::service_account:
    return "service account";
  case NamespaceSource::fallback:
    break;
  }
  return "default";
}

std::string RestConfig::files_string() const {
  std::string out;
  for (const auto& f : files) {
    out += (out.empty() ? "" : ":") + f.string();
  }
  return out;
}

RestConfig resolve_rest_config(const Kubeconfig& config, const LoadOptions& options) {
  RestConfig rc;
  rc.files = config.files;
  const std::string files = rc.files_string();
  std::string name = options.context.empty() ? config.current_context : options.context;
  if (name.empty()) {
    throw usage_error(fmt::format("no current-context is set in kubeconfig {}; pass --context (contexts: {})",
                                  files.empty() ? "(none)" : files, context_names(config)));
  }
  const auto ctx = config.contexts.find(name);
  if (ctx == config.contexts.end()) {
    throw usage_error(fmt::format("context \"{}\" does not exist in kubeconfig {}{}", name,
                                  files.empty() ? "(none)" : files,
                                  options.context.empty() ? " (it is the current-context of " +
                                                                config.current_context_source + ")"
                                                          : ""));
  }
  rc.context = name;
  const Context& context = ctx->second;

  if (context.cluster.empty()) {
    throw usage_error(fmt::format("context \"{}\" in {} names no cluster", name, context.source));
  }
  const auto cl = config.clusters.find(context.cluster);
  if (cl == config.clusters.end()) {
    throw usage_error(fmt::format("cluster \"{}\" of context \"{}\" does not exist in kubeconfig {}", context.cluster,
                                  name, files));
  }
  const Cluster& cluster = cl->second;
  rc.cluster = context.cluster;
  if (cluster.server.empty()) {
    throw usage_error(fmt::format("cluster \"{}\" in {} has no server", context.cluster, cluster.source));
  }
  rc.server = cluster.server;
  if (rc.server.rfind("https://", 0) != 0 && rc.server.rfind("http://", 0) != 0) {
    if (rc.server.find("://") != std::string::npos) {
      throw usage_error(fmt::format("cluster \"{}\" in {}: server \"{}\" must be an https:// URL", context.cluster,
                                    cluster.source, cluster.server));
    }
    rc.server = "https://" + rc.server; // kubectl accepts host:port
  }
  if (auto problem = server_url_problem(rc.server)) {
    throw usage_error(fmt::format("cluster \"{}\" in {}: server \"{}\" is not a valid URL: {}", context.cluster,
                                  cluster.source, cluster.server, *problem));
  }
  while (rc.server.back() == '/') {
    rc.server.pop_back(); // never empties it: the URL has a host
  }

  const std::string cluster_owner = fmt::format("cluster \"{}\" in {}", context.cluster, cluster.source);
  rc.tls.insecure_skip_verify = cluster.insecure_skip_tls_verify;
  rc.tls.server_name = cluster.tls_server_name;
  if (!cluster.certificate_authority_data.empty()) {
    rc.tls.ca_pem = cluster.certificate_authority_data; // -data wins over the file, as in kubectl
  } else if (!cluster.certificate_authority.empty()) {
    rc.tls.ca_pem = read_credential_file(cluster.certificate_authority, "certificate-authority", cluster_owner);
  }
  if (rc.tls.insecure_skip_verify && !rc.tls.ca_pem.empty()) {
    throw usage_error(fmt::format("{}: specifying a root certificates file with insecure-skip-tls-verify is not "
                                  "allowed",
                                  cluster_owner));
  }

  if (!context.user.empty()) {
    const auto us = config.users.find(context.user);
    if (us == config.users.end()) {
      throw usage_error(fmt::format("user \"{}\" of context \"{}\" does not exist in kubeconfig {}", context.user, name,
                                    files));
    }
    const User& user = us->second;
    rc.user = context.user;
    const std::string owner = fmt::format("user \"{}\" in {}", context.user, user.source);
    if (!user.auth_provider.empty()) {
      throw usage_error(fmt::format("{} uses auth-provider \"{}\", which graflowctl does not support; use an exec "
                                    "credential plugin (users[].user.exec) instead",
                                    owner, user.auth_provider));
    }
    const bool has_token = !user.token.empty() || !user.token_file.empty();
    const bool has_basic = !user.username.empty() || !user.password.empty();
    if (has_token && has_basic) {
      throw usage_error(fmt::format("{} has both a token and a username/password; only one is allowed", owner));
    }
    if (user.exec && (has_token || has_basic)) {
      throw usage_error(fmt::format("{} has both an exec plugin and a {}; only one is allowed", owner,
                                    has_token ? "token" : "username/password"));
    }
    rc.auth.token = user.token;
    rc.auth.token_file = user.token_file;
    rc.auth.username = user.username;
    rc.auth.password = user.password;
    rc.auth.exec = user.exec;
    if (!user.client_certificate_data.empty()) {
      rc.tls.client_cert_pem = user.client_certificate_data;
    } else if (!user.client_certificate.empty()) {
      rc.tls.client_cert_pem = read_credential_file(user.client_certificate, "client-certificate", owner);
    }
    if (!user.client_key_data.empty()) {
      rc.tls.client_key_pem = user.client_key_data;
    } else if (!user.client_key.empty()) {
      rc.tls.client_key_pem = read_credential_file(user.client_key, "client-key", owner);
    }
    if (rc.tls.client_cert_pem.empty() != rc.tls.client_key_pem.empty()) {
      throw usage_error(fmt::format("{} has a client {} but no client {}", owner,
                                    rc.tls.client_cert_pem.empty() ? "key" : "certificate",
                                    rc.tls.client_cert_pem.empty() ? "certificate" : "key"));
    }
  }

  if (!options.namespace_.empty()) {
    rc.namespace_ = options.namespace_;
    rc.namespace_source = NamespaceSource::flag;
    check_flag_namespace(options.namespace_);
  } else if (!context.namespace_.empty()) {
    rc.namespace_ = context.namespace_;
    rc.namespace_source = NamespaceSource::context;
    if (!text::is_dns1123_label(rc.namespace_)) {
      // Sent as-is it would become a wrong request path; kubectl refuses it too.
      throw usage_error(fmt::format("context \"{}\" in {}: namespace \"{}\" is not a valid namespace name ({})",
                                    name, context.source, rc.namespace_, k_dns_label_rule));
    }
  } else {
    rc.namespace_ = "default";
    rc.namespace_source = NamespaceSource::fallback;
  }
  return rc;
}

std::optional<RestConfig> in_cluster_config(const LoadOptions& options) {
  const std::string host = nonempty_env(options, "KUBERNETES_SERVICE_HOST");
  const std::string port = nonempty_env(options, "KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return std::nullopt;
  }
  const fs::path dir = serviceaccount_dir(options);
  RestConfig rc;
  rc.server = "https://" + text::join_host_port(host, port);
  rc.auth.token_file = dir / "token";
  std::error_code ec;
  if (!fs::exists(rc.auth.token_file, ec)) {
    throw usage_error(fmt::format("running in a pod ($KUBERNETES_SERVICE_HOST is set) but the service account token "
                                  "{} does not exist; is automountServiceAccountToken off?",
                                  rc.auth.token_file.string()));
  }
  if (fs::exists(dir / "ca.crt", ec)) {
    rc.tls.ca_pem = read_credential_file((dir / "ca.crt").string(), "certificate-authority", "the service account");
  }
  if (!options.namespace_.empty()) {
    rc.namespace_ = options.namespace_;
    rc.namespace_source = NamespaceSource::flag;
    check_flag_namespace(options.namespace_);
  } else {
    std::string ns = nonempty_env(options, "POD_NAMESPACE");
    if (ns.empty()) {
      files::ReadError ignored;
      ns = trim(files::try_read(dir / "namespace", ignored).value_or(""));
    }
    rc.namespace_ = ns.empty() ? "default" : ns;
    rc.namespace_source = ns.empty() ? NamespaceSource::fallback : NamespaceSource::service_account;
  }
  return rc;
}

RestConfig load_rest_config(const LoadOptions& options) {
  const KubeconfigPaths paths = kubeconfig_paths(options);
  const Kubeconfig config = load_kubeconfig(paths);
  if (config.empty() && !paths.explicit_ && options.context.empty()) {
    if (auto rc = in_cluster_config(options)) {
      return *rc;
    }
    std::string looked;
    for (const auto& p : paths.paths) {
      looked += (looked.empty() ? "" : ", ") + p.string();
    }
    throw usage_error(fmt::format("no Kubernetes configuration found: no kubeconfig at {} ({}) and not running in a pod "
                                  "($KUBERNETES_SERVICE_HOST is unset); pass --kubeconfig or set KUBECONFIG",
                                  looked.empty() ? "(no path)" : looked, paths.origin));
  }
  return resolve_rest_config(config, options);
}

} // namespace graflow::kube
