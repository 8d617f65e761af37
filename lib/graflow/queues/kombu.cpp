#include "graflow/queues/kombu.hpp"

#include <nlohmann/json.hpp>
#include <optional>

namespace graflow::queues {
namespace {

using json = nlohmann::json;

constexpr int max_depth = 64; // far below cjson's nesting limit

// nlohmann's SAX events of one entry, without building it: the number of elements of a
// top-level array and its third element when that is a string.
struct EntrySax final : nlohmann::json_sax<json> {
  int depth = 0;
  bool top_is_array = false;
  long long elements = 0;
  std::optional<std::string> third;

  // A value starts at the current depth (a scalar, or an object or array opening).
  void value() {
    if (depth == 1 && top_is_array) {
      ++elements;
    }
  }
  bool null() override { return value(), true; }
  bool boolean(bool /*unused*/) override { return value(), true; }
  bool number_integer(number_integer_t /*unused*/) override { return value(), true; }
  bool number_unsigned(number_unsigned_t /*unused*/) override { return value(), true; }
  bool number_float(number_float_t /*unused*/, const string_t& /*unused*/) override { return value(), true; }
  bool binary(binary_t& /*unused*/) override { return value(), true; }
  bool string(string_t& s) override {
    value();
    if (depth == 1 && top_is_array && elements == 3) {
      third = std::move(s);
    }
    return true;
  }
  bool open() {
    if (depth == 0) {
      top_is_array = false;
    }
    value();
    return ++depth <= max_depth; // deeper: left to cjson
  }
  bool start_object(std::size_t /*unused*/) override { return open(); }
  bool start_array(std::size_t /*unused*/) override {
    const bool top = depth == 0;
    const bool ok = open();
    top_is_array = top_is_array || top;
    return ok;
  }
  bool key(string_t& /*unused*/) override { return true; }
  bool end_object() override { return --depth, true; }
  bool end_array() override { return --depth, true; }
  bool parse_error(std::size_t /*unused*/, const std::string& /*unused*/,
                   const nlohmann::detail::exception& /*unused*/) override {
    return false;
  }
};

} // namespace

UnackedEntry read_unacked_entry(std::string_view text) {
  UnackedEntry entry;
  // nlohmann's parser accepts strict JSON (RFC 8259) only, all of which cjson reads with
  // the same structure and strings. What it refuses (cjson's lenient numbers, raw control
  // bytes or invalid UTF-8 in strings, lone surrogates, a NUL byte, where cjson stops
  // reading) stays unsure and is decoded by cjson itself.
  if (text.find('\0') != std::string_view::npos) {
    return entry; // where each parser stops at a NUL byte is theirs to decide: cjson's
  }
  EntrySax sax;
  if (!json::sax_parse(text.begin(), text.end(), &sax)) {
    return entry;
  }
  if (sax.top_is_array && sax.elements == 3 && sax.third) {
    entry.kind = UnackedEntry::Kind::counted;
    entry.routing_key = std::move(*sax.third);
  } else {
    entry.kind = UnackedEntry::Kind::not_counted;
  }
  return entry;
}

} // namespace graflow::queues
