#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace fake {

// Parses one YAML (or JSON) document into JSON, resolving plain scalars like the YAML 1.2
// core schema does (null, booleans, integers, floats); quoted scalars stay strings.
// Throws std::runtime_error with the parser's message on malformed input.
nlohmann::json yaml_to_json(const std::string& text);

} // namespace fake
