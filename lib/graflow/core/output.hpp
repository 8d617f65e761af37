#pragma once
// Output formats shared by every command: text for people, json/yaml for scripts.
#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string_view>

namespace graflow {

enum class Format { text, json, yaml };

// "text", "json" or "yaml"; anything else is a usage Error.
Format parse_format(std::string_view name);

// Writes `doc` as pretty JSON (2 spaces) or block YAML, followed by a newline.
void write_structured(std::ostream& out, const nlohmann::ordered_json& doc, Format format);

} // namespace graflow
