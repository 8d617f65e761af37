#include "graflow/config/schema.hpp"

#include "graflow/core/printable.hpp"
#include "graflow/core/text.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <regex>

namespace graflow::config {

const std::vector<KeySpec>& profile_keys() {
  static const std::vector<KeySpec> keys = {
      {"minReplicas", Kind::positive_int, "fewest workers the HPA keeps"},
      {"maxReplicas", Kind::positive_int, "most workers the HPA starts"},
      {"averageValue", Kind::positive_int, "tasks per worker (the HPA's AverageValue target)"},
      {"namespace", Kind::dns_label, "namespace of every object (unset: the context's)"},
      {"keyPrefix", Kind::label_value, "queue key prefix; the queue is <keyPrefix>:queue"},
      {"queue", Kind::queue_spec, "a queue of another layout, as --queue: LAYOUT:NAME[,option=value...] (replaces keyPrefix)"},
      {"scaleOn", Kind::scale_on, "what the HPA scales on: waiting or waiting+in_flight"},
      {"redis.host", Kind::host, "Redis host as workers and the exporter reach it in the cluster"},
      {"redis.port", Kind::port, "Redis port in the cluster"},
      {"redis.url", Kind::redis_url, "Redis URL as graflowctl itself reaches it"},
      {"redis.username", Kind::redis_user, "ACL user the exporter authenticates as (with redis.passwordSecret)"},
      {"redis.passwordSecret.name", Kind::dns_subdomain, "Secret with the exporter's Redis password (not created by render)"},
      {"redis.passwordSecret.key", Kind::data_key, "key of the password in that Secret"},
      {"redis.tls.enabled", Kind::boolean, "the exporter reaches Redis over TLS (rediss://)"},
      {"redis.tls.caSecret.name", Kind::dns_subdomain, "Secret with the CA (PEM) that signed Redis' certificate"},
      {"redis.tls.caSecret.key", Kind::data_key, "key of the CA in that Secret (default ca.crt)"},
      {"redis.tls.caConfigMap.name", Kind::dns_subdomain, "ConfigMap with the CA instead (not with caSecret)"},
      {"redis.tls.caConfigMap.key", Kind::data_key, "key of the CA in that ConfigMap (default ca.crt)"},
      {"redis.tls.certSecret.name", Kind::dns_subdomain, "Secret with the exporter's client certificate and key (mTLS)"},
      {"redis.tls.certSecret.certKey", Kind::data_key, "key of the certificate (PEM) in that Secret (default tls.crt)"},
      {"redis.tls.certSecret.keyKey", Kind::data_key, "key of the private key (PEM) in that Secret (default tls.key)"},
      {"redis.tls.serverName", Kind::host, "name the exporter sends as SNI and checks (default redis.host)"},
      {"redis.tls.insecureSkipVerify", Kind::boolean, "the exporter does not verify Redis' certificate (insecure)"},
      {"worker.deployment", Kind::dns_label, "worker Deployment name"},
      {"worker.hpa", Kind::dns_label, "HorizontalPodAutoscaler name"},
      {"worker.container", Kind::dns_label, "worker container name"},
      {"worker.image", Kind::image, "worker image"},
      {"worker.resources.requests.cpu", Kind::quantity, "worker CPU request"},
      {"worker.resources.requests.memory", Kind::quantity, "worker memory request"},
      {"worker.resources.limits.cpu", Kind::quantity, "worker CPU limit"},
      {"worker.resources.limits.memory", Kind::quantity, "worker memory limit"},
      {"exporter.enabled", Kind::boolean, "render the exporter Deployment and Service"},
      {"exporter.deployment", Kind::dns_label, "exporter Deployment and Service name"},
      {"exporter.image", Kind::image, "image that runs `graflowctl exporter`"},
      {"exporter.port", Kind::port, "exporter HTTP port"},
      {"exporter.replicas", Kind::positive_int, "exporter replicas"},
      {"exporter.serviceMonitor", Kind::boolean, "also render a prometheus-operator ServiceMonitor"},
      {"exporter.resources.requests.cpu", Kind::quantity, "exporter CPU request"},
      {"exporter.resources.requests.memory", Kind::quantity, "exporter memory request"},
      {"exporter.resources.limits.cpu", Kind::quantity, "exporter CPU limit"},
      {"exporter.resources.limits.memory", Kind::quantity, "exporter memory limit"},
      {"behavior.scaleUp.stabilizationWindowSeconds", Kind::seconds, "HPA scale-up stabilization window"},
      {"behavior.scaleUp.selectPolicy", Kind::select_policy, "Max, Min or Disabled"},
      {"behavior.scaleUp.policies", Kind::policies, "list of {type: Pods|Percent, value, periodSeconds}"},
      {"behavior.scaleDown.stabilizationWindowSeconds", Kind::seconds, "HPA scale-down stabilization window"},
      {"behavior.scaleDown.selectPolicy", Kind::select_policy, "Max, Min or Disabled"},
      {"behavior.scaleDown.policies", Kind::policies, "list of {type: Pods|Percent, value, periodSeconds}"},
  };
  return keys;
}

const KeySpec* find_key(std::string_view key) {
  for (const auto& spec : profile_keys()) {
    if (spec.key == key) {
      return &spec;
    }
  }
  return nullptr;
}

bool is_group(std::string_view key) {
  return std::any_of(profile_keys().begin(), profile_keys().end(), [&](const KeySpec& s) {
    return s.key.size() > key.size() && s.key.substr(0, key.size()) == key && s.key[key.size()] == '.';
  });
}

namespace {

// Compiling a std::regex costs far more than matching it: each pattern is compiled once
// (a config with thousands of profiles checks each pattern thousands of times).
bool matches(const std::string& value, const char* pattern) {
  static std::mutex mutex;
  static std::map<const char*, std::regex> compiled;
  const std::regex* re = nullptr;
  {
    const std::lock_guard lock(mutex);
    auto it = compiled.find(pattern);
    if (it == compiled.end()) {
      it = compiled.emplace(pattern, std::regex(pattern, std::regex::extended)).first;
    }
    re = &it->second;
  }
  return std::regex_match(value, *re);
}

// A value quoted in a message: escaped, and cut to a readable length.
std::string echo(const std::string& value) { return printable(value, 80); }

std::optional<std::string> check_int(const std::string& value, long min, long max) {
  long n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec == std::errc::result_out_of_range && ptr == value.data() + value.size()) {
    return fmt::format("must be from {} to {}, not {}", min, max, printable(value, 40));
  }
  if (ec != std::errc{} || ptr != value.data() + value.size() || value.empty() || value[0] == '+') {
    return fmt::format("must be a whole number, not \"{}\"", echo(value));
  }
  // The real bounds, always: "must be positive" for 2147483647 would be wrong.
  if (n < min || n > max) {
    return fmt::format("must be from {} to {}, not {}", min, max, n);
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string_view> closest_key(std::string_view key) {
  std::optional<std::string_view> best;
  std::size_t best_d = 4;
  const auto depth = static_cast<std::size_t>(std::count(key.begin(), key.end(), '.'));
  const auto consider = [&](std::string_view candidate) {
    const std::size_t d = text::edit_distance(key, candidate, true);
    if (d < best_d) {
      best_d = d;
      best = candidate;
    }
  };
  for (const auto& spec : profile_keys()) {
    consider(spec.key);
    // A misspelt map (redis.tls.caSecrets) is closest to the map, not to one of its keys.
    std::size_t end = 0;
    for (std::size_t dots = 0; dots <= depth; ++dots) {
      end = spec.key.find('.', end == 0 ? 0 : end + 1);
      if (end == std::string_view::npos) {
        break;
      }
    }
    if (end != std::string_view::npos) {
      consider(spec.key.substr(0, end));
    }
  }
  return best;
}

std::optional<std::string> check_yaml_safe(const std::string& value) {
  for (const char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return std::string("must not contain a newline, tab or other control character");
    }
    if (c == '"' || c == '\\' || c == '\'' || c == '`') {
      return fmt::format("must not contain the quote or escape character {}", c);
    }
  }
  if (!value.empty()) {
    if (value.front() == ' ' || value.back() == ' ') {
      return std::string("must not start or end with a space");
    }
    if (std::string_view("{}[]&*!|>%@#,?:-=<").find(value.front()) != std::string_view::npos) {
      return fmt::format("must not start with '{}' (it would change the YAML structure)", value.front());
    }
    if (value.back() == ':') {
      return std::string("must not end with ':' (it would change the YAML structure)");
    }
  }
  if (value.find(": ") != std::string::npos || value.find(" #") != std::string::npos) {
    return std::string("must not contain \": \" or \" #\" (it would change the YAML structure)");
  }
  return std::nullopt;
}

std::optional<std::string> check_scalar(Kind kind, const std::string& value) {
  const bool numeric =
      kind == Kind::positive_int || kind == Kind::port || kind == Kind::seconds || kind == Kind::period_seconds;
  if (!numeric) {
    if (auto unsafe = check_yaml_safe(value)) {
      return unsafe;
    }
  }
  switch (kind) {
  case Kind::positive_int:
    return check_int(value, 1, 1'000'000);
  case Kind::port:
    return check_int(value, 1, 65535);
  case Kind::seconds:
    return check_int(value, 0, 3600);
  case Kind::period_seconds:
    return check_int(value, 1, 1800);
  case Kind::boolean:
    if (value == "true" || value == "false") {
      return std::nullopt;
    }
    return fmt::format("must be true or false, not \"{}\"", echo(value));
  case Kind::dns_label:
    if (text::is_dns1123_label(value)) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a valid name: a DNS-1123 label has at most 63 lower-case letters, digits and '-', "
                       "starting and ending with a letter or digit",
                       echo(value));
  case Kind::dns_subdomain:
    if (value.size() <= 253 && matches(value, "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a valid name: a DNS-1123 subdomain has at most 253 lower-case letters, digits, "
                       "'-' and '.', starting and ending with a letter or digit",
                       echo(value));
  case Kind::data_key:
    if (value.size() <= 253 && matches(value, "[-._A-Za-z0-9]+") && value != "." && value != "..") {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a valid key of a Secret or ConfigMap: letters, digits, '-', '_' and '.'",
                       echo(value));
  case Kind::redis_user:
    // What an ACL user name can be and still go through a URL, an env var and YAML unquoted.
    if (value.size() <= 128 && matches(value, "[-._@A-Za-z0-9]+")) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a Redis user name graflowctl accepts: at most 128 letters, digits, '-', '_', "
                       "'.' and '@'",
                       echo(value));
  case Kind::label_value:
    if (value.size() <= 63 && matches(value, "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a valid key prefix: it is also a Kubernetes label value, so at most 63 "
                       "letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                       echo(value));
  case Kind::host:
    if (value.size() <= 253 &&
        (matches(value, "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*") ||
         matches(value, "[0-9a-fA-F:.]+"))) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a valid host name or IP address", echo(value));
  case Kind::image:
    if (value.size() <= 512 &&
        matches(value, "[a-z0-9]+([._-]+[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
                       "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?")) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a valid image reference (e.g. registry.example.com/team/worker:1.2)", echo(value));
  case Kind::quantity:
    if (matches(value, "[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")) {
      return std::nullopt;
    }
    return fmt::format("\"{}\" is not a Kubernetes quantity (e.g. 500m, 2, 512Mi, 2Gi)", echo(value));
  case Kind::redis_url:
    if (value.rfind("redis://", 0) == 0 || value.rfind("rediss://", 0) == 0 || value.rfind("unix://", 0) == 0) {
      return std::nullopt;
    }
    return std::string("must be a redis://, rediss:// or unix:// URL");
  case Kind::select_policy:
    if (value == "Max" || value == "Min" || value == "Disabled") {
      return std::nullopt;
    }
    return fmt::format("must be Max, Min or Disabled, not \"{}\"", echo(value));
  case Kind::select_policy_type:
    if (value == "Pods" || value == "Percent") {
      return std::nullopt;
    }
    return fmt::format("must be Pods or Percent, not \"{}\"", echo(value));
  case Kind::policies:
    return std::string("is a list; set it in the config file");
  case Kind::queue_spec:
    if (value.find(':') != std::string::npos) {
      return std::nullopt; // the whole spec is checked where the queue is read (actions/resolve)
    }
    return fmt::format("\"{}\" is not a queue: expected LAYOUT:NAME[,option=value...] (e.g. celery:tasks)", value);
  case Kind::scale_on:
    if (value == "waiting" || value == "waiting+in_flight") {
      return std::nullopt;
    }
    return fmt::format("must be waiting or waiting+in_flight, not \"{}\"", value);
  }
  return std::nullopt;
}

} // namespace graflow::config
