#include "graflow/core/output.hpp"

#include "graflow/core/error.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <ostream>
#include <unistd.h>
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

namespace graflow {

FdOutBuf::FdOutBuf(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }

FdOutBuf::~FdOutBuf() { drain(); }

bool FdOutBuf::write_all(const char* data, std::size_t size) {
  if (error_ != 0) {
    return false;
  }
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      error_ = errno;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool FdOutBuf::drain() {
  const auto pending = static_cast<std::size_t>(pptr() - pbase());
  setp(buffer_, buffer_ + sizeof buffer_);
  return write_all(buffer_, pending);
}

FdOutBuf::int_type FdOutBuf::overflow(int_type ch) {
  if (!drain()) {
    return traits_type::eof();
  }
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

int FdOutBuf::sync() { return drain() ? 0 : -1; }

std::streamsize FdOutBuf::xsputn(const char* s, std::streamsize n) {
  const auto size = static_cast<std::size_t>(n);
  if (size <= static_cast<std::size_t>(epptr() - pptr())) {
    traits_type::copy(pptr(), s, size);
    pbump(static_cast<int>(n));
    return n;
  }
  // Larger than the room left: send what is buffered, then this directly.
  if (!drain() || !write_all(s, size)) {
    return 0;
  }
  return n;
}

void throw_on_failed_writes(std::ostream& out) { out.exceptions(std::ios::badbit); }

std::string write_failure(std::ostream& out, std::string_view name) {
  const auto* buf = dynamic_cast<const FdOutBuf*>(out.rdbuf());
  if (buf != nullptr && buf->error() != 0) {
    return fmt::format("writing to {}: {}", name, errno_text(buf->error()));
  }
  return fmt::format("writing to {} failed", name);
}

void check_written(std::ostream& out, std::string_view name) {
  const auto mask = out.exceptions();
  out.exceptions(std::ios::goodbit);
  out.flush();
  if (out.bad()) {
    throw failure(write_failure(out, name));
  }
  out.exceptions(mask);
}

} // namespace graflow
