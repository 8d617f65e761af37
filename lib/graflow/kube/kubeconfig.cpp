#include "graflow/kube/kubeconfig.hpp"

#include "graflow/core/error.hpp"
#include "graflow/kube/base64.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <pwd.h>
#include <set>
#include <sstream>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace graflow::kube {
namespace fs = std::filesystem;

namespace {

const char* const k_serviceaccount_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

std::optional<std::string> lookup(const LoadOptions& options, const std::string& name) {
  if (options.getenv) {
    return options.getenv(name);
  }
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::string nonempty_env(const LoadOptions& options, const std::string& name) {
  return lookup(options, name).value_or("");
}

// Reads a whole file; nullopt with errno's text in `error` when it cannot.
std::optional<std::string> read_file(const fs::path& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return buf.str();
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return "";
  }
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Turns the YAML tree of one file into a Kubeconfig, with file:line in every error.
class Parser {
public:
  explicit Parser(fs::path file) : file_(std::move(file)), dir_(file_.parent_path()) {}

  Kubeconfig parse(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw usage_error(fmt::format("error loading kubeconfig {}: line {}: {}", file_.string(), e.mark.line + 1, e.msg));
    }
    Kubeconfig out;
    out.files.push_back(file_);
    if (!root.IsDefined() || root.IsNull()) {
      return out; // an empty file is an empty config, as for kubectl
    }
    if (!root.IsMap()) {
      throw error(root, "", "a kubeconfig must be a YAML map (apiVersion: v1, kind: Config)");
    }
    for_each_named(root, "clusters", "cluster", [&](const std::string& name, const YAML::Node& node, const std::string& path) {
      out.clusters[name] = cluster(node, path);
    });
    for_each_named(root, "users", "user", [&](const std::string& name, const YAML::Node& node, const std::string& path) {
      out.users[name] = user(node, path);
    });
    for_each_named(root, "contexts", "context", [&](const std::string& name, const YAML::Node& node, const std::string& path) {
      Context c;
      c.cluster = string(node, "cluster", path);
      c.user = string(node, "user", path);
      c.namespace_ = string(node, "namespace", path);
      c.source = file_.string();
      out.contexts[name] = c;
    });
    out.current_context = string(root, "current-context", "");
    if (!out.current_context.empty()) {
      out.current_context_source = file_.string();
    }
    return out;
  }

private:
  [[nodiscard]] Error error(const YAML::Node& node, const std::string& path, const std::string& what) const {
    const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    const std::string where = line > 0 ? fmt::format("{}:{}", file_.string(), line) : file_.string();
    return usage_error(path.empty() ? fmt::format("invalid kubeconfig {}: {}", where, what)
                                    : fmt::format("invalid kubeconfig {}: {}: {}", where, path, what));
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string string(const YAML::Node& map, const char* key, const std::string& path) const {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) {
      return "";
    }
    if (!v.IsScalar()) {
      throw error(v, join(path, key), "must be a string");
    }
    return v.Scalar();
  }

  bool boolean(const YAML::Node& map, const char* key, const std::string& path) const {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) {
      return false;
    }
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
      throw error(v, join(path, key), "must be true or false");
    }
    return b;
  }

  std::string path_field(const YAML::Node& map, const char* key, const std::string& path) const {
    std::string p = string(map, key, path);
    if (!p.empty() && fs::path(p).is_relative()) {
      p = (dir_ / p).lexically_normal().string();
    }
    return p;
  }

  std::string data_field(const YAML::Node& map, const char* key, const std::string& path) const {
    const std::string text = string(map, key, path);
    if (text.empty()) {
      return "";
    }
    auto decoded = base64_decode(text);
    if (!decoded) {
      throw error(map[key], join(path, key), "is not valid base64");
    }
    return *decoded;
  }

  // clusters/users/contexts: a list of {name, <inner>: {...}}; names are unique per file.
  template <typename F>
  void for_each_named(const YAML::Node& root, const char* list, const char* inner, F&& f) const {
    const YAML::Node items = root[list];
    if (!items.IsDefined() || items.IsNull()) {
      return;
    }
    if (!items.IsSequence()) {
      throw error(items, list, "must be a list");
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const YAML::Node item = items[i];
      const std::string item_path = fmt::format("{}[{}]", list, i);
      if (!item.IsMap()) {
        throw error(item, item_path, fmt::format("must be a map with name and {}", inner));
      }
      const std::string name = string(item, "name", item_path);
      if (name.empty()) {
        throw error(item, item_path, "has no name");
      }
      if (!seen.insert(name).second) {
        throw error(item, item_path, fmt::format("duplicate name \"{}\"", name));
      }
      const YAML::Node body = item[inner];
      const std::string body_path = fmt::format("{}[{}].{}", list, name, inner);
      if (body.IsDefined() && !body.IsNull() && !body.IsMap()) {
        throw error(body, body_path, "must be a map");
      }
      f(name, body.IsDefined() && body.IsMap() ? body : YAML::Node(YAML::NodeType::Map), body_path);
    }
  }

  Cluster cluster(const YAML::Node& node, const std::string& path) const {
    Cluster c;
    c.server = string(node, "server", path);
    c.certificate_authority = path_field(node, "certificate-authority", path);
    c.certificate_authority_data = data_field(node, "certificate-authority-data", path);
    c.insecure_skip_tls_verify = boolean(node, "insecure-skip-tls-verify", path);
    c.tls_server_name = string(node, "tls-server-name", path);
    c.source = file_.string();
    return c;
  }

  User user(const YAML::Node& node, const std::string& path) const {
    User u;
    u.token = string(node, "token", path);
    u.token_file = path_field(node, "tokenFile", path);
    u.client_certificate = path_field(node, "client-certificate", path);
    u.client_certificate_data = data_field(node, "client-certificate-data", path);
    u.client_key = path_field(node, "client-key", path);
    u.client_key_data = data_field(node, "client-key-data", path);
    u.username = string(node, "username", path);
    u.password = string(node, "password", path);
    if (const YAML::Node provider = node["auth-provider"]; provider.IsDefined() && provider.IsMap()) {
      u.auth_provider = string(provider, "name", join(path, "auth-provider"));
      if (u.auth_provider.empty()) {
        u.auth_provider = "(unnamed)";
      }
    }
    if (const YAML::Node exec = node["exec"]; exec.IsDefined() && !exec.IsNull()) {
      u.exec = exec_config(exec, join(path, "exec"));
    }
    u.source = file_.string();
    return u;
  }

  ExecConfig exec_config(const YAML::Node& node, const std::string& path) const {
    if (!node.IsMap()) {
      throw error(node, path, "must be a map");
    }
    ExecConfig e;
    e.api_version = string(node, "apiVersion", path);
    if (e.api_version != "client.authentication.k8s.io/v1" && e.api_version != "client.authentication.k8s.io/v1beta1") {
      throw error(node, join(path, "apiVersion"),
                  fmt::format("\"{}\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)", e.api_version));
    }
    e.command = string(node, "command", path);
    if (e.command.empty()) {
      throw error(node, join(path, "command"), "is required");
    }
    // Like client-go: a command with a '/' is a path relative to the kubeconfig; a bare
    // name is looked up in PATH.
    if (e.command.find('/') != std::string::npos && fs::path(e.command).is_relative()) {
      e.command = (dir_ / e.command).lexically_normal().string();
    }
    if (const YAML::Node args = node["args"]; args.IsDefined() && !args.IsNull()) {
      if (!args.IsSequence()) {
        throw error(args, join(path, "args"), "must be a list of strings");
      }
      for (const auto& a : args) {
        if (!a.IsScalar()) {
          throw error(a, join(path, "args"), "must be a list of strings");
        }
        e.args.push_back(a.Scalar());
      }
    }
    if (const YAML::Node env = node["env"]; env.IsDefined() && !env.IsNull()) {
      if (!env.IsSequence()) {
        throw error(env, join(path, "env"), "must be a list of {name, value}");
      }
      for (const auto& item : env) {
        if (!item.IsMap() || string(item, "name", join(path, "env")).empty()) {
          throw error(item, join(path, "env"), "must be a list of {name, value}");
        }
        e.env.emplace_back(string(item, "name", join(path, "env")), string(item, "value", join(path, "env")));
      }
    }
    e.install_hint = string(node, "installHint", path);
    e.provide_cluster_info = boolean(node, "provideClusterInfo", path);
    const std::string mode = string(node, "interactiveMode", path);
    if (!mode.empty()) {
      if (mode != "Never" && mode != "IfAvailable" && mode != "Always") {
        throw error(node, join(path, "interactiveMode"),
                    fmt::format("\"{}\" is not one of Never, IfAvailable, Always", mode));
      }
      e.interactive_mode = mode;
    }
    return e;
  }

  fs::path file_;
  fs::path dir_;
};

std::string home_dir(const LoadOptions& options) {
  std::string home = nonempty_env(options, "HOME");
  if (home.empty()) {
    if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) {
      home = pw->pw_dir;
    }
  }
  return home;
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
  std::string err;
  auto text = read_file(path, err);
  if (!text) {
    throw usage_error(fmt::format("cannot read {} {} of {}: {}", what, path, owner, err));
  }
  return *text;
}

std::string join_host_port(const std::string& host, const std::string& port) {
  if (host.find(':') != std::string::npos && host.front() != '[') {
    return fmt::format("[{}]:{}", host, port);
  }
  return host + ":" + port;
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

Kubeconfig parse_kubeconfig(const std::string& yaml_text, const fs::path& file) {
  return Parser(file).parse(yaml_text);
}

void merge_kubeconfig(Kubeconfig& into, const Kubeconfig& later) {
  into.files.insert(into.files.end(), later.files.begin(), later.files.end());
  into.clusters.insert(later.clusters.begin(), later.clusters.end()); // insert keeps existing keys
  into.users.insert(later.users.begin(), later.users.end());
  into.contexts.insert(later.contexts.begin(), later.contexts.end());
  if (into.current_context.empty() && !later.current_context.empty()) {
    into.current_context = later.current_context;
    into.current_context_source = later.current_context_source;
  }
}

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

Kubeconfig load_kubeconfig(const KubeconfigPaths& paths) {
  Kubeconfig merged;
  for (const auto& path : paths.paths) {
    std::error_code ec;
    if (!paths.explicit_ && !fs::exists(path, ec)) {
      continue;
    }
    if (fs::is_directory(path, ec)) {
      throw usage_error(fmt::format("cannot read kubeconfig {}: it is a directory", path.string()));
    }
    std::string err;
    auto text = read_file(path, err);
    if (!text) {
      throw usage_error(fmt::format("cannot read kubeconfig {}: {}", path.string(), err));
    }
    merge_kubeconfig(merged, parse_kubeconfig(*text, path));
  }
  return merged;
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
  while (!rc.server.empty() && rc.server.back() == '/') {
    rc.server.pop_back();
  }
  if (rc.server.rfind("https://", 0) != 0 && rc.server.rfind("http://", 0) != 0) {
    if (rc.server.find("://") != std::string::npos) {
      throw usage_error(fmt::format("cluster \"{}\" in {}: server \"{}\" must be an https:// URL", context.cluster,
                                    cluster.source, cluster.server));
    }
    rc.server = "https://" + rc.server; // kubectl accepts host:port
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
  } else if (!context.namespace_.empty()) {
    rc.namespace_ = context.namespace_;
    rc.namespace_source = NamespaceSource::context;
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
  rc.server = "https://" + join_host_port(host, port);
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
  } else {
    std::string ns = nonempty_env(options, "POD_NAMESPACE");
    if (ns.empty()) {
      std::string err;
      ns = trim(read_file(dir / "namespace", err).value_or(""));
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
