#include "graflow/queues/kombu.hpp"

#include <optional>

namespace graflow::queues {
namespace {

constexpr int max_depth = 64; // far below cjson's Lua stack limit

// A recursive-descent scan of strict JSON; each method returns false when the text is not
// certainly read the same way by cjson (the caller then says "unsure").
class Scanner {
public:
  explicit Scanner(std::string_view text) : s_(text) {}

  // The whole text: one value and only whitespace after it. Counts the top-level array's
  // elements and keeps its third one when that is a string.
  bool top(long long& elements, std::optional<std::string>& third) {
    skip_ws();
    if (at('[')) {
      ++i_;
      if (!array_elements(1, &elements, &third)) {
        return false;
      }
    } else if (!value(0, nullptr)) {
      return false;
    }
    skip_ws();
    return i_ == s_.size();
  }

private:
  [[nodiscard]] bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      ++i_;
    }
    return i_ > start;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) {
      return false;
    }
    i_ += word.size();
    return true;
  }
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?: strtod, which cjson uses, reads exactly
  // this much of it when a delimiter follows (the caller checks that one does).
  bool number() {
    if (at('-')) {
      ++i_;
    }
    if (at('0')) {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (at('.')) {
      ++i_;
      if (!digits()) {
        return false;
      }
    }
    if (at('e') || at('E')) {
      ++i_;
      if (at('+') || at('-')) {
        ++i_;
      }
      if (!digits()) {
        return false;
      }
    }
    return true;
  }
  std::optional<unsigned> hex4() {
    if (i_ + 4 > s_.size()) {
      return std::nullopt;
    }
    unsigned v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = s_[i_ + k];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    i_ += 4;
    return v;
  }
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp <= 0x7f) {
      out += static_cast<char>(cp);
    } else if (cp <= 0x7ff) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp <= 0xffff) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  // \uXXXX (the "\u" already read), as cjson's json_append_unicode_escape decodes it.
  bool unicode_escape(std::string* out) {
    auto cp = hex4();
    if (!cp) {
      return false;
    }
    if ((*cp & 0xf800) == 0xd800) {
      if ((*cp & 0x400) != 0 || !literal("\\u")) {
        return false; // a low surrogate first, or a high one alone: cjson rejects both
      }
      const auto low = hex4();
      if (!low || (*low & 0xfc00) != 0xdc00) {
        return false;
      }
      cp = (((*cp & 0x3ff) << 10) | (*low & 0x3ff)) + 0x10000;
    }
    if (out != nullptr) {
      append_utf8(*out, *cp);
    }
    return true;
  }
  // A string (at its opening quote); its decoded text into `out` when given. Raw control
  // bytes are kept, as cjson keeps them.
  bool string(std::string* out) {
    ++i_;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') {
        return true;
      }
      if (c != '\\') {
        if (out != nullptr) {
          *out += c;
        }
        continue;
      }
      if (i_ >= s_.size()) {
        return false;
      }
      const char e = s_[i_++];
      char decoded = 0;
      switch (e) {
      case '"':
      case '\\':
      case '/':
        decoded = e;
        break;
      case 'b':
        decoded = '\b';
        break;
      case 'f':
        decoded = '\f';
        break;
      case 'n':
        decoded = '\n';
        break;
      case 'r':
        decoded = '\r';
        break;
      case 't':
        decoded = '\t';
        break;
      case 'u':
        if (!unicode_escape(out)) {
          return false;
        }
        continue;
      default:
        return false;
      }
      if (out != nullptr) {
        *out += decoded;
      }
    }
    return false;
  }
  // The elements of an array after its '['; with `count`, the number of elements and the
  // third one's text when it is a string.
  bool array_elements(int depth, long long* count, std::optional<std::string>* third) {
    skip_ws();
    if (at(']')) {
      ++i_;
      return true;
    }
    for (long long n = 1;; ++n) {
      skip_ws();
      if (third != nullptr && n == 3 && at('"')) {
        third->emplace();
        if (!string(&**third)) {
          return false;
        }
      } else {
        if (third != nullptr && n == 3) {
          third->reset();
        }
        if (!value(depth, nullptr)) {
          return false;
        }
      }
      if (count != nullptr) {
        *count = n;
      }
      skip_ws();
      if (at(']')) {
        ++i_;
        return true;
      }
      if (!at(',')) {
        return false;
      }
      ++i_;
    }
  }
  bool object_members(int depth) {
    skip_ws();
    if (at('}')) {
      ++i_;
      return true;
    }
    while (true) {
      skip_ws();
      if (!at('"') || !string(nullptr)) {
        return false;
      }
      skip_ws();
      if (!at(':')) {
        return false;
      }
      ++i_;
      skip_ws();
      if (!value(depth, nullptr)) {
        return false;
      }
      skip_ws();
      if (at('}')) {
        ++i_;
        return true;
      }
      if (!at(',')) {
        return false;
      }
      ++i_;
    }
  }
  bool value(int depth, std::string* out) {
    if (i_ >= s_.size()) {
      return false;
    }
    switch (s_[i_]) {
    case '{':
      ++i_;
      return depth + 1 < max_depth && object_members(depth + 1);
    case '[':
      ++i_;
      return depth + 1 < max_depth && array_elements(depth + 1, nullptr, nullptr);
    case '"':
      return string(out);
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return number();
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

} // namespace

UnackedEntry read_unacked_entry(std::string_view json) {
  UnackedEntry entry;
  // cjson reads a C string: it stops at a NUL byte, which strict JSON never has anyway.
  if (json.find('\0') != std::string_view::npos) {
    return entry;
  }
  long long elements = -1; // -1: the text is not an array
  std::optional<std::string> third;
  Scanner scanner(json);
  if (!scanner.top(elements, third)) {
    return entry;
  }
  if (elements == 3 && third) {
    entry.kind = UnackedEntry::Kind::counted;
    entry.routing_key = std::move(*third);
  } else {
    entry.kind = UnackedEntry::Kind::not_counted;
  }
  return entry;
}

} // namespace graflow::queues
