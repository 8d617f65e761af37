#pragma once
// Usage errors in graflowctl's own words, on one line: unknown commands and flags with a
// "did you mean", and CLI11's parse errors rewritten (the parser's text names types and
// ranges a user never wrote), each ending with where the command's help is.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class ParseError;
class Validator;
} // namespace CLI

namespace graflow::cli {

// After a parse (successful or not): the error for the first word no command knew (CLI11
// keeps them, in the command that met them, whether or not it then throws), or "".
std::string unknown_words_error(const CLI::App& root);

// The one-line message (without "graflowctl: error: ") for a parse error of `root`'s tree.
std::string parse_error_message(const CLI::App& root, const CLI::ParseError& e);

// A whole number from `min` to `max`; `limit` says why the bounds are what they are
// ("the Kubernetes API's int32 limit"), shown when the value is out of range.
CLI::Validator whole_number(std::int64_t min, std::int64_t max, const std::string& limit = "");

// A number (decimal point allowed) greater than zero.
CLI::Validator positive_number();

// One of `choices`, with a "did you mean" for a near miss.
CLI::Validator one_of(const std::vector<std::string>& choices);

// A queue key prefix, checked by the same rule as the config's keyPrefix.
CLI::Validator key_prefix_value();

// A DNS-1123 label (namespaces, release names), the same rule as the config's namespace.
CLI::Validator dns_label_value();

// Not empty (a flag such as --out-dir "" that would otherwise mean "not given").
CLI::Validator non_empty_value();

// A usage Error when -o `output` is not one of `supported` for `command`, which prints
// `prints` ("YAML manifests"): an -o the command ignores would silently do nothing.
void check_output(const std::string& output, std::string_view command, std::initializer_list<std::string_view> supported,
                  std::string_view prints);

// A usage Error when `flag` was given (`given`) but `needs` was not: it would do nothing.
void check_needs(bool given, std::string_view flag, bool needed_given, std::string_view needs);

} // namespace graflow::cli
