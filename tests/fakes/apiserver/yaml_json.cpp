#include "yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <stdexcept>

namespace fake {

using nlohmann::json;

namespace {

json plain_scalar(const std::string& s) {
  static const std::regex int_re(R"([-+]?[0-9]+)");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return nullptr;
  }
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  if (std::regex_match(s, int_re)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return s;
    }
  }
  if (std::regex_match(s, float_re)) {
    return std::stod(s);
  }
  return s;
}

json convert(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined:
    return nullptr;
  case YAML::NodeType::Scalar:
    // yaml-cpp tags quoted scalars "!" and plain ones "?".
    return node.Tag() == "?" ? plain_scalar(node.Scalar()) : json(node.Scalar());
  case YAML::NodeType::Sequence: {
    json out = json::array();
    for (const auto& item : node) {
      out.push_back(convert(item));
    }
    return out;
  }
  case YAML::NodeType::Map: {
    json out = json::object();
    for (const auto& kv : node) {
      out[kv.first.as<std::string>()] = convert(kv.second);
    }
    return out;
  }
  }
  return nullptr;
}

} // namespace

json yaml_to_json(const std::string& text) {
  try {
    return convert(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(e.what());
  }
}

} // namespace fake
