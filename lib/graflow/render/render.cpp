#include "graflow/render/render.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#ifndef GRAFLOW_SOURCE_TEMPLATES
#define GRAFLOW_SOURCE_TEMPLATES ""
#endif
#ifndef GRAFLOW_TEMPLATES_REL
#define GRAFLOW_TEMPLATES_REL "../share/graflowctl/templates"
#endif
#ifndef GRAFLOW_VERSION
#define GRAFLOW_VERSION "0.0.0"
#endif

namespace graflow::render {
namespace mustache = kainjow::mustache;
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// YAML (1.1, as kubectl reads it) would turn these plain scalars into something else
// than a string: quote them.
std::string yaml_string(const std::string& v) {
  static const char* const special[] = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"};
  const std::string l = lower(v);
  bool quote = v.empty() || std::find(std::begin(special), std::end(special), l) != std::end(special);
  if (!quote) {
    std::size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
    if (i < v.size() && v[i] == '.') {
      ++i;
    }
    quote = i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]));
  }
  return quote ? "\"" + v + "\"" : v;
}

mustache::data resources_data(const config::Resources& r) {
  mustache::data d;
  d.set("requestsCpu", r.cpu_request);
  d.set("requestsMemory", r.memory_request);
  d.set("limitsCpu", r.cpu_limit);
  d.set("limitsMemory", r.memory_limit);
  return d;
}

mustache::data rules_data(const config::ScalingRules& rules) {
  mustache::data d;
  if (rules.stabilization_window_seconds) {
    d.set("stabilizationWindowSeconds", std::to_string(*rules.stabilization_window_seconds));
  }
  if (rules.select_policy) {
    d.set("selectPolicy", *rules.select_policy);
  }
  if (!rules.policies.empty()) {
    mustache::data list = mustache::data::type::list;
    for (const auto& p : rules.policies) {
      mustache::data item;
      item.set("type", p.type);
      item.set("value", std::to_string(p.value));
      item.set("periodSeconds", std::to_string(p.period_seconds));
      list.push_back(item);
    }
    d.set("policies", list);
    d.set("hasPolicies", mustache::data::type::bool_true);
  }
  return d;
}

mustache::data object_key_data(const config::ObjectKey& k) {
  mustache::data d;
  d.set("name", k.name);
  d.set("key", k.key);
  return d;
}

// The exporter's Redis credentials and TLS files: Secret and ConfigMap references, mounted
// read-only at fixed paths that the exporter's --redis-*-file flags name. Never a secret.
void redis_data(const config::Profile& p, mustache::data& d) {
  const config::RedisTls& tls = p.redis_tls;
  d.set("redisUrl", fmt::format("{}://{}/0", tls.enabled ? "rediss" : "redis", text::join_host_port(p.redis_host, p.redis_port)));
  if (p.redis_password_secret) {
    d.set("redisPasswordSecret", object_key_data(*p.redis_password_secret));
  }
  if (p.redis_username) {
    d.set("redisUser", *p.redis_username); // a name, not a secret: plain env
  }
  if (!tls.enabled) {
    return;
  }
  mustache::data flags;
  const config::ObjectKey* ca = tls.ca_secret ? &*tls.ca_secret : tls.ca_config_map ? &*tls.ca_config_map : nullptr;
  if (ca != nullptr) {
    mustache::data volume = object_key_data(*ca);
    volume.set("dir", k_redis_ca_dir);
    volume.set("file", k_redis_ca_file);
    if (tls.ca_secret) {
      volume.set("secret", mustache::data::type::bool_true);
    }
    d.set("redisCa", volume);
    flags.set("caFile", fmt::format("{}/{}", k_redis_ca_dir, k_redis_ca_file));
  }
  if (tls.client_cert) {
    mustache::data volume;
    volume.set("name", tls.client_cert->name);
    volume.set("certKey", tls.client_cert->cert_key);
    volume.set("keyKey", tls.client_cert->key_key);
    volume.set("dir", k_redis_client_dir);
    volume.set("certFile", k_redis_client_cert_file);
    volume.set("keyFile", k_redis_client_key_file);
    d.set("redisClientCert", volume);
    flags.set("certFile", fmt::format("{}/{}", k_redis_client_dir, k_redis_client_cert_file));
    flags.set("keyFile", fmt::format("{}/{}", k_redis_client_dir, k_redis_client_key_file));
  }
  if (ca != nullptr || tls.client_cert) {
    d.set("redisVolumes", mustache::data::type::bool_true);
  }
  if (tls.server_name) {
    flags.set("serverName", *tls.server_name);
  }
  if (tls.insecure_skip_verify) {
    flags.set("insecureSkipVerify", mustache::data::type::bool_true);
  }
  d.set("redisTls", flags);
}

mustache::data profile_data(const config::Profile& p) {
  mustache::data d;
  d.set("profile", p.name);
  d.set("version", GRAFLOW_VERSION);
  if (p.namespace_) {
    d.set("namespace", *p.namespace_);
  }
  d.set("minReplicas", std::to_string(p.min_replicas));
  d.set("maxReplicas", std::to_string(p.max_replicas));
  d.set("averageValue", std::to_string(p.average_value));
  // The HPA's metric and selector, and the exporter's queue flag (DESIGN.md §5b); without a
  // resolved queue, the seed's. A queue: graflow:P block is the graflow layout on P: the
  // worker's --redis-key-prefix follows it.
  const bool seed = p.hpa_metric.name.empty();
  const bool graflow_layout = seed || p.hpa_metric.label == "key_prefix";
  const std::string key_prefix = graflow_layout && !seed ? p.hpa_metric.value : p.key_prefix;
  d.set("keyPrefix", key_prefix);
  d.set("metricName", seed ? std::string("graflow_queue_depth") : p.hpa_metric.name);
  d.set("selectorLabel", seed ? std::string("key_prefix") : p.hpa_metric.label);
  d.set("selectorValue", seed ? p.key_prefix : p.hpa_metric.value);
  // A --queue value may hold ':' or '#' (global_keyprefix=app:): always a double-quoted
  // scalar (JSON's quoting is YAML's), so the exporter gets the exact flag.
  const std::string queue_flag = seed ? "--key-prefix=" + p.key_prefix : p.hpa_metric.exporter_flag;
  d.set("exporterQueueFlag", queue_flag.rfind("--queue=", 0) == 0 ? nlohmann::json(queue_flag).dump() : queue_flag);
  d.set("queueKey", key_prefix + ":queue");
  d.set("redisHost", p.redis_host);
  d.set("redisPort", std::to_string(p.redis_port));
  redis_data(p, d);

  mustache::data worker;
  worker.set("deployment", p.worker.deployment);
  worker.set("hpa", p.worker.hpa);
  worker.set("container", p.worker.container);
  worker.set("image", p.worker.image);
  worker.set("resources", resources_data(p.worker.resources));
  d.set("worker", worker);

  if (p.exporter.enabled) {
    mustache::data exporter;
    exporter.set("deployment", p.exporter.deployment);
    exporter.set("image", p.exporter.image);
    exporter.set("port", std::to_string(p.exporter.port));
    exporter.set("replicas", std::to_string(p.exporter.replicas));
    exporter.set("resources", resources_data(p.exporter.resources));
    if (p.exporter.service_monitor) {
      exporter.set("serviceMonitor", mustache::data::type::bool_true);
    }
    d.set("exporter", exporter);
  }
  if (p.behavior) {
    mustache::data behavior;
    if (p.behavior->scale_up) {
      behavior.set("scaleUp", rules_data(*p.behavior->scale_up));
    }
    if (p.behavior->scale_down) {
      behavior.set("scaleDown", rules_data(*p.behavior->scale_down));
    }
    d.set("behavior", behavior);
  }
  return d;
}

// Templates are a few KiB: the limit only stops a runaway file (or a device) early.
std::string read_file(const std::filesystem::path& path) { return files::read_or_throw(path, "template"); }

bool blank_document(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] != '#' && line.compare(first, 3, "---") != 0) {
      return false;
    }
  }
  return true;
}

std::filesystem::path exe_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

} // namespace

std::string Manifest::file_name() const { return lower(kind) + "-" + name + ".yaml"; }

std::filesystem::path find_templates(const std::string& flag, const Env& env) {
  if (!flag.empty()) {
    if (!std::filesystem::is_directory(flag)) {
      throw usage_error(fmt::format("template directory {} does not exist", flag));
    }
    return flag;
  }
  std::vector<std::filesystem::path> candidates;
  if (const auto dir = env.non_empty("GRAFLOW_TEMPLATES")) {
    candidates.emplace_back(*dir);
  }
  if (auto dir = exe_dir(); !dir.empty()) {
    candidates.push_back(dir / GRAFLOW_TEMPLATES_REL);
  }
  if (*GRAFLOW_SOURCE_TEMPLATES != '\0') {
    candidates.emplace_back(GRAFLOW_SOURCE_TEMPLATES);
  }
  for (const auto& c : candidates) {
    if (std::filesystem::is_directory(c)) {
      auto dir = std::filesystem::weakly_canonical(c);
      log::debug(1, "templates: {}", dir.string());
      return dir;
    }
  }
  throw usage_error("cannot find the templates directory (reinstall graflowctl, or pass --templates DIR)");
}

namespace {

std::string render_data(const std::string& template_text, const mustache::data& data) {
  mustache::mustache tmpl(template_text);
  if (!tmpl.is_valid()) {
    throw usage_error(tmpl.error_message());
  }
  tmpl.set_custom_escape(yaml_string);
  const std::string rendered = tmpl.render(data);
  if (!tmpl.is_valid()) {
    throw usage_error(tmpl.error_message());
  }
  // kainjow leaves an empty line where a false section stood alone on its lines; blank
  // lines carry no meaning in these manifests, so they are dropped.
  std::string out;
  std::istringstream in(rendered);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      out += line;
      out += '\n';
    }
  }
  return out;
}

} // namespace

std::string render_text(const std::string& template_text, const config::Profile& profile) {
  return render_data(template_text, profile_data(profile));
}

std::string render_with(const std::string& template_text, const std::map<std::string, std::string>& values) {
  mustache::data data;
  for (const auto& [k, v] : values) {
    data.set(k, v);
  }
  return render_data(template_text, data);
}

std::string read_template(const std::filesystem::path& dir, const std::string& name) { return read_file(dir / name); }

std::vector<Manifest> render_manifests(const std::filesystem::path& dir, const config::Profile& profile) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() > 14 && name.ends_with(".yaml.mustache")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw usage_error(fmt::format("no *.yaml.mustache templates in {}", dir.string()));
  }
  std::vector<Manifest> out;
  for (const auto& file : files) {
    const std::string tname = file.filename().string();
    std::string text;
    try {
      text = render_text(read_file(file), profile);
    } catch (const Error& e) {
      throw usage_error(fmt::format("template {}: {}", file.string(), e.what()));
    }
    if (blank_document(text)) {
      continue;
    }
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw usage_error(
          fmt::format("template {}: the rendered output is not valid YAML: line {}: {}", file.string(), e.mark.line + 1, e.msg));
    }
    if (!doc.IsMap() || !doc["apiVersion"].IsScalar() || !doc["kind"].IsScalar() || !doc["metadata"].IsMap() ||
        !doc["metadata"]["name"].IsScalar()) {
      throw usage_error(fmt::format("template {}: the rendered object needs apiVersion, kind and metadata.name",
                                    file.string()));
    }
    const YAML::Node ns = doc["metadata"]["namespace"];
    out.push_back(Manifest{tname, doc["apiVersion"].Scalar(), doc["kind"].Scalar(), doc["metadata"]["name"].Scalar(),
                           ns.IsScalar() ? ns.Scalar() : "", std::move(text)});
  }
  return out;
}

std::string to_stream(const std::vector<Manifest>& manifests) {
  std::string out;
  for (const auto& m : manifests) {
    out += "---\n# Source: " + m.template_name + "\n" + m.text;
    if (!m.text.empty() && m.text.back() != '\n') {
      out += '\n';
    }
  }
  return out;
}

} // namespace graflow::render
