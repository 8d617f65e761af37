#include "graflow/kube/exec_credential.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/paths.hpp"
#include "graflow/core/time.hpp"
#include "graflow/kube/base64.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace graflow::kube {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  return time::parse_rfc3339(text);
}

ExecCredential parse_exec_credential(const std::string& json_text, const std::string& api_version,
                                     const std::string& plugin) {
  auto bad = [&](const std::string& what) {
    return failure(fmt::format("exec credential plugin \"{}\" returned an invalid ExecCredential: {}", plugin, what));
  };
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception&) {
    // Never echo the output: it may hold a token.
    throw bad(json_text.empty() ? "its output is empty" : "its output is not JSON");
  }
  if (!doc.is_object()) {
    throw bad("its output is not a JSON object");
  }
  if (doc.value("kind", "") != "ExecCredential") {
    throw bad(fmt::format("kind is \"{}\", not ExecCredential", doc.value("kind", "")));
  }
  if (doc.value("apiVersion", "") != api_version) {
    throw bad(fmt::format("apiVersion is \"{}\" but the kubeconfig asks for \"{}\"", doc.value("apiVersion", ""),
                          api_version));
  }
  const auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) {
    throw bad("it has no status");
  }
  ExecCredential c;
  auto str = [&](const char* key) {
    const auto it = status->find(key);
    return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.token = str("token");
  c.client_cert_pem = str("clientCertificateData");
  c.client_key_pem = str("clientKeyData");
  if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
    throw bad("status has clientCertificateData or clientKeyData but not both");
  }
  if (c.token.empty() && c.client_cert_pem.empty()) {
    throw bad("status has neither a token nor clientCertificateData and clientKeyData");
  }
  if (const std::string exp = str("expirationTimestamp"); !exp.empty()) {
    c.expiry = time::parse_rfc3339(exp);
    if (!c.expiry) {
      throw bad(fmt::format("expirationTimestamp \"{}\" is not an RFC 3339 time", exp));
    }
  }
  return c;
}

std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive) {
  json spec = {{"interactive", interactive}};
  if (exec.provide_cluster_info) {
    json c = {{"server", cluster.server}};
    if (!cluster.tls.server_name.empty()) {
      c["tls-server-name"] = cluster.tls.server_name;
    }
    if (cluster.tls.insecure_skip_verify) {
      c["insecure-skip-tls-verify"] = true;
    }
    if (!cluster.tls.ca_pem.empty()) {
      c["certificate-authority-data"] = base64_encode(cluster.tls.ca_pem);
    }
    spec["cluster"] = c;
  }
  return json{{"apiVersion", exec.api_version}, {"kind", "ExecCredential"}, {"spec", spec}}.dump();
}

fs::path default_exec_cache_dir(const Env& env) {
  return paths::app_dir(paths::cache_home(env), "exec").value_or(fs::path());
}

fs::path default_exec_cache_dir() { return default_exec_cache_dir(ProcessEnv{}); }

} // namespace graflow::kube
