#pragma once
// Loading the YAML files users write (config, kubeconfig) strictly: yaml-cpp silently keeps
// the first of two equal keys and ignores a second document, both of which hide mistakes.
#include <stdexcept>
#include <string>
#include <yaml-cpp/yaml.h>

namespace graflow::yaml {

// Why a text is not one clean YAML document; `line` is 1-based (0: unknown).
class ParseError : public std::runtime_error {
public:
  ParseError(int line, const std::string& what) : std::runtime_error(what), line_(line) {}
  [[nodiscard]] int line() const noexcept { return line_; }

private:
  int line_;
};

// Parses `text` as exactly one YAML document in which no map has the same key twice.
// Throws ParseError for a syntax error, a second document or a duplicate key; callers add
// the file name in their own words.
YAML::Node load_one(const std::string& text);

} // namespace graflow::yaml
