#include "graflow/core/output.hpp"

#include "graflow/core/error.hpp"

#include <fmt/format.h>
#include <ostream>
#include <yaml-cpp/yaml.h>

namespace graflow {
namespace {

void emit(YAML::Emitter& e, const nlohmann::ordered_json& j) {
  switch (j.type()) {
  case nlohmann::ordered_json::value_t::object:
    e << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      e << YAML::Key << k << YAML::Value;
      emit(e, v);
    }
    e << YAML::EndMap;
    break;
  case nlohmann::ordered_json::value_t::array:
    e << YAML::BeginSeq;
    for (const auto& v : j) {
      emit(e, v);
    }
    e << YAML::EndSeq;
    break;
  case nlohmann::ordered_json::value_t::string:
    e << YAML::DoubleQuoted << j.get<std::string>();
    break;
  case nlohmann::ordered_json::value_t::null:
    e << YAML::Null;
    break;
  default:
    e << j.dump();
    break;
  }
}

} // namespace

Format parse_format(std::string_view name) {
  if (name == "text") {
    return Format::text;
  }
  if (name == "json") {
    return Format::json;
  }
  if (name == "yaml") {
    return Format::yaml;
  }
  throw usage_error(fmt::format("unknown output format \"{}\": use text, json or yaml", name));
}

void write_structured(std::ostream& out, const nlohmann::ordered_json& doc, Format format) {
  if (format == Format::yaml) {
    YAML::Emitter e;
    emit(e, doc);
    out << e.c_str() << '\n';
    return;
  }
  out << doc.dump(2) << '\n';
}

} // namespace graflow
