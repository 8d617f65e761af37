#pragma once
// The Prometheus text exposition format, version 0.0.4: pure functions that append to a
// string, with no I/O and no knowledge of HTTP (like prometheus-cpp's TextSerializer).
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace graflow::exporter::text {

// The Content-Type of a /metrics response in this format.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

enum class Type { counter, gauge, untyped };

// A label value with backslash, double quote and newline escaped (\\, \", \n).
void append_label_value(std::string& out, std::string_view value);

// HELP text with backslash and newline escaped (a double quote stays as it is).
void append_help_text(std::string& out, std::string_view help);

// "# HELP name help\n# TYPE name type\n".
void append_family(std::string& out, std::string_view name, std::string_view help, Type type);

using Label = std::pair<std::string_view, std::string_view>;

// `name{l1="v1",l2="v2"}` (just `name` without labels): the part of a sample line before
// the value. Label names must be valid; values are escaped. Exporters build these once.
std::string series(std::string_view name, std::initializer_list<Label> labels = {});

// "<series> <value>\n". Doubles use the shortest form that reads back exactly, and
// NaN, +Inf and -Inf are spelled as Prometheus expects.
void append_sample(std::string& out, std::string_view series, long long value);
void append_sample(std::string& out, std::string_view series, double value);

} // namespace graflow::exporter::text
