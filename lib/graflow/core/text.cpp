#include "graflow/core/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <vector>

namespace graflow::text {
namespace {

bool unreserved(unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~'; }

// Characters of a token-like word: base64 (standard and URL-safe), hex, JWT dots.
bool word_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '+' || c == '/' || c == '_' || c == '-' || c == '.' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A key whose value is a secret: "token", "access_token", "client-key-data", "password"...
bool secret_key(std::string_view word) {
  static constexpr std::array<std::string_view, 8> k_suffixes = {"token",  "password", "passwd",   "secret",
                                                                 "apikey", "api_key",  "api-key", "key-data"};
  const std::string w = lower(word);
  return std::any_of(k_suffixes.begin(), k_suffixes.end(), [&](std::string_view s) { return w.ends_with(s); });
}

// A word that is a credential by its shape: a JWT, or a long run of mixed-case letters and
// digits (base64) or of hex digits. Paths and hostnames rarely mix all three classes.
bool looks_like_secret(std::string_view w) {
  if (w.size() >= 16 && w.starts_with("eyJ") && w.find('.') != std::string_view::npos) {
    return true;
  }
  if (w.size() < 32) {
    return false;
  }
  bool upper = false;
  bool lower_case = false;
  bool digit = false;
  bool hex = true;
  for (const char ch : w) {
    const auto c = static_cast<unsigned char>(ch);
    upper = upper || std::isupper(c) != 0;
    lower_case = lower_case || std::islower(c) != 0;
    digit = digit || std::isdigit(c) != 0;
    hex = hex && std::isxdigit(c) != 0;
  }
  return (upper && lower_case && digit) || hex;
}

bool only_space(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// Whether a word after separator `sep` starts its line (YAML `token: x`, `- password: x`).
bool starts_line(std::string_view sep, bool at_text_start) {
  const auto nl = sep.rfind('\n');
  if (nl == std::string_view::npos && !at_text_start) {
    return false;
  }
  const std::string_view rest = nl == std::string_view::npos ? sep : sep.substr(nl + 1);
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\t' || c == '-'; });
}

} // namespace

std::string url_encode(std::string_view s, std::string_view also_keep) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (unreserved(u) || also_keep.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string join_host_port(std::string_view host, std::string_view port) {
  if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

std::string join_host_port(std::string_view host, int port) { return join_host_port(host, std::to_string(port)); }

std::string redact_secrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string_view previous_word;
  bool previous_starts_line = false;
  std::string_view separator; // what lies between the previous word and this one
  std::size_t i = 0;
  while (i < text.size()) {
    if (!word_char(static_cast<unsigned char>(text[i]))) {
      const std::size_t start = i;
      while (i < text.size() && !word_char(static_cast<unsigned char>(text[i]))) {
        ++i;
      }
      separator = text.substr(start, i - start);
      out.append(separator);
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && word_char(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    const std::string_view word = text.substr(start, i - start);
    const std::string prev = lower(previous_word);
    const bool after_scheme = (prev == "bearer" || prev == "basic") && only_space(separator);
    // `key=value`, `"key": "value"`, or `key: value` starting a line. Not "cannot get
    // token: connection refused", which is prose.
    const bool assignment = separator.find('=') != std::string_view::npos ||
                            (separator.find(':') != std::string_view::npos &&
                             (separator.front() == '"' || separator.front() == '\'' || previous_starts_line));
    const bool after_key = !previous_word.empty() && secret_key(previous_word) && assignment;
    if (after_scheme || after_key || looks_like_secret(word)) {
      out += "[redacted]";
    } else {
      out.append(word);
    }
    previous_starts_line = starts_line(separator, previous_word.empty());
    previous_word = word;
    separator = {};
  }
  return out;
}

bool is_dns1123_label(std::string_view s) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !s.empty() && s.size() <= 63 && alnum(s.front()) && alnum(s.back()) &&
         std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) {
    return false;
  }
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !alnum(label.front()) || !alnum(label.back()) ||
        !std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

std::string tail(std::string_view text, std::size_t max) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  if (text.size() <= max) {
    return std::string(text);
  }
  return "…" + std::string(text.substr(text.size() - max));
}

std::size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case) {
  const auto same = [ignore_case](char x, char y) {
    if (ignore_case) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    }
    return x == y;
  };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

} // namespace graflow::text
