#include "graflow/actions/profiles.hpp"

#include "graflow/actions/resolve.hpp"
#include "graflow/config/schema.hpp"
#include "graflow/core/printable.hpp"
#include "graflow/core/table.hpp"
#include "graflow/redis/url.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ostream>

namespace graflow::actions {
namespace {

nlohmann::ordered_json typed_value(const config::Setting& s) {
  const config::KeySpec* spec = config::find_key(s.key);
  if (spec != nullptr && spec->kind == config::Kind::redis_url) {
    return redis::redact_url(s.value); // a profile's URL may carry a password
  }
  switch (spec != nullptr ? spec->kind : config::Kind::dns_label) {
  case config::Kind::positive_int:
  case config::Kind::port:
  case config::Kind::seconds:
  case config::Kind::period_seconds:
    return std::stoll(s.value);
  case config::Kind::boolean:
    return s.value == "true";
  case config::Kind::policies: {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& p : s.policies) {
      list.push_back({{"type", p.type}, {"value", p.value}, {"periodSeconds", p.period_seconds}});
    }
    return list;
  }
  default:
    return s.value;
  }
}

std::string display_value(const config::Setting& s) {
  if (s.policies.empty()) {
    if (const config::KeySpec* spec = config::find_key(s.key); spec != nullptr && spec->kind == config::Kind::redis_url) {
      return redis::redact_url(s.value);
    }
    return s.value;
  }
  return typed_value(s).dump();
}

// The queue the profile watches, as --key-prefix or --queue would name it.
std::string queue_flag(const queues::QueueSpec& spec) {
  return spec.layout == queues::Layout::graflow ? "--key-prefix " + spec.name : "--queue " + queues::spec_text(spec);
}

} // namespace

nlohmann::ordered_json profile_json(const config::ResolvedProfile& resolved) {
  nlohmann::ordered_json doc = {{"name", resolved.profile.name}};
  for (const auto& s : resolved.settings) {
    // "exporter.port" -> "/exporter/port"
    std::string pointer = s.key;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    pointer.insert(pointer.begin(), '/');
    doc[nlohmann::ordered_json::json_pointer(pointer)] = typed_value(s);
  }
  // queueKey: the main key (for the graflow layout <keyPrefix>:queue, as before); watchedQueue:
  // everything the profile's queue reads (DESIGN.md §5b), after the command line's overrides.
  const auto spec = profile_queue_spec(resolved.profile);
  doc["queueKey"] = queues::main_key(spec);
  nlohmann::ordered_json watched = {{"layout", queues::layout_name(spec.layout)}, {"id", spec.id}};
  if (spec.layout == queues::Layout::graflow) {
    watched["key_prefix"] = spec.name;
  }
  watched["spec"] = queues::spec_text(spec);
  watched["keys"] = queues::watched_keys(spec);
  doc["watchedQueue"] = watched;
  return doc;
}

void list_profiles(std::ostream& out, const config::Config& config, const std::vector<config::Override>& overrides,
                   Format format) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& name : config.profile_names()) {
    const auto resolved = config.resolve(name, overrides);
    const auto& p = resolved.profile;
    const bool is_default = config.default_profile() == name;
    list.push_back({{"name", name},
                    {"default", is_default},
                    {"minReplicas", p.min_replicas},
                    {"maxReplicas", p.max_replicas},
                    {"averageValue", p.average_value},
                    {"namespace", p.namespace_ ? nlohmann::ordered_json(*p.namespace_) : nlohmann::ordered_json(nullptr)},
                    {"keyPrefix", p.key_prefix},
                    {"source", resolved.source}});
    rows.push_back({is_default ? "*" : "", name, std::to_string(p.min_replicas), std::to_string(p.max_replicas),
                    std::to_string(p.average_value), p.namespace_.value_or("(context)"), p.key_prefix,
                    resolved.source});
  }
  if (format != Format::text) {
    write_structured(out, nlohmann::ordered_json{{"profiles", list}}, format);
    return;
  }
  write_table(out, {"DEFAULT", "NAME", "MIN", "MAX", "AVERAGE VALUE", "NAMESPACE", "KEY PREFIX", "SOURCE"}, rows);
}

void show_profile(std::ostream& out, const config::ResolvedProfile& resolved, Format format) {
  if (format != Format::text) {
    write_structured(out, profile_json(resolved), format);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : resolved.settings) {
    rows.push_back({s.key, display_value(s), s.origin.describe()});
  }
  out << "Profile: " << resolved.profile.name << "\n\n";
  write_table(out, {"KEY", "VALUE", "FROM"}, rows);
  const auto spec = profile_queue_spec(resolved.profile);
  std::vector<std::string> keys;
  for (const auto& k : queues::watched_keys(spec)) {
    keys.push_back(printable(k, 200)); // Celery's step lists hold \x06\x16
  }
  const std::string what = spec.layout == queues::Layout::graflow ? fmt::format("key prefix {}", spec.name)
                                                                  : fmt::format("id {}", spec.id);
  out << fmt::format("\nQueue: layout {}, {} ({})\nKeys:  {}\n", queues::layout_name(spec.layout), what,
                     printable(queue_flag(spec), 300), fmt::join(keys, ", "));
}

} // namespace graflow::actions
