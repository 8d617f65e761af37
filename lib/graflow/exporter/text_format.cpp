#include "graflow/exporter/text_format.hpp"

#include <cmath>
#include <fmt/format.h>
#include <iterator>

namespace graflow::exporter::text {
namespace {

std::string_view type_name(Type type) {
  switch (type) {
  case Type::counter:
    return "counter";
  case Type::gauge:
    return "gauge";
  case Type::untyped:
    break;
  }
  return "untyped";
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

} // namespace

void append_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      out += c;
    }
  }
}

void append_help_text(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_family(std::string& out, std::string_view name, std::string_view help, Type type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_help_text(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(type);
  out += '\n';
}

std::string series(std::string_view name, std::initializer_list<Label> labels) {
  std::string out(name);
  if (labels.size() == 0) {
    return out;
  }
  out += '{';
  bool first = true;
  for (const auto& [label, value] : labels) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += label;
    out += "=\"";
    append_label_value(out, value);
    out += '"';
  }
  out += '}';
  return out;
}

void append_sample(std::string& out, std::string_view series, long long value) {
  out += series;
  out += ' ';
  fmt::format_to(std::back_inserter(out), "{}", value);
  out += '\n';
}

void append_sample(std::string& out, std::string_view series, double value) {
  out += series;
  out += ' ';
  append_value(out, value);
  out += '\n';
}

} // namespace graflow::exporter::text
