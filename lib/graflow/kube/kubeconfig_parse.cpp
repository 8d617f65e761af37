// kubeconfig files: reading (with a size limit), parsing with file:line errors, merging.
// What a context resolves to is kubeconfig.cpp's business.
#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "graflow/core/yaml.hpp"
#include "graflow/kube/base64.hpp"
#include "graflow/kube/kubeconfig.hpp"

#include <fmt/format.h>
#include <set>

namespace graflow::kube {
namespace fs = std::filesystem;

namespace {

// Turns the YAML tree of one file into a Kubeconfig, with file:line in every error.
class Parser {
public:
  explicit Parser(fs::path file) : file_(std::move(file)), dir_(file_.parent_path()) {}

  Kubeconfig parse(const std::string& text) {
    YAML::Node root;
    try {
      root = yaml::load_one(text);
    } catch (const yaml::ParseError& e) {
      throw usage_error(fmt::format("error loading kubeconfig {}: line {}: {}", file_.string(), e.line(), e.what()));
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

Kubeconfig load_kubeconfig(const KubeconfigPaths& paths) {
  Kubeconfig merged;
  for (const auto& path : paths.paths) {
    std::error_code ec;
    if (!paths.explicit_ && !fs::exists(path, ec)) {
      continue;
    }
    merge_kubeconfig(merged, parse_kubeconfig(files::read_or_throw(path, "kubeconfig"), path));
  }
  return merged;
}

} // namespace graflow::kube
