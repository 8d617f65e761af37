#include "graflow/redis/url.hpp"

#include "graflow/core/env.hpp"
#include "graflow/core/error.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>

namespace graflow::redis {
namespace {

std::string redacted(std::string_view url) { return redact_url(url); }

std::string percent_decode(std::string_view in, std::string_view url) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      int v = 0;
      if (i + 2 >= in.size()) {
        throw usage_error(fmt::format("invalid Redis URL \"{}\": bad %-escape", redacted(url)));
      }
      auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
      if (ec != std::errc{} || p != in.data() + i + 3) {
        throw usage_error(fmt::format("invalid Redis URL \"{}\": bad %-escape", redacted(url)));
      }
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

int parse_number(std::string_view text, int min, int max, std::string_view what, std::string_view url) {
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v < min || v > max) {
    throw usage_error(fmt::format("invalid Redis URL \"{}\": {} must be a number from {} to {}", redacted(url), what,
                                  min, max));
  }
  return v;
}

} // namespace

std::string redact_url(std::string_view url) {
  // The last '@' anywhere: a password may hold an unescaped '/', '?' or '#', and hiding
  // too much of a malformed URL is better than printing part of a secret.
  const auto at = url.rfind('@');
  if (at == std::string_view::npos) {
    return std::string(url);
  }
  const auto scheme = url.find("://");
  const std::size_t start = scheme != std::string_view::npos && scheme < at ? scheme + 3 : 0;
  const std::string_view userinfo = url.substr(start, at - start);
  const auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at)); // a bare password
  }
  return std::string(url.substr(0, start + colon)) + ":***" + std::string(url.substr(at));
}

std::string read_password_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error(fmt::format("cannot read --redis-password-file {}: {}", path, errno_text(errno)));
  }
  constexpr std::size_t limit = 64 * 1024;
  std::string text;
  text.resize(limit + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limit) {
    throw usage_error(fmt::format("--redis-password-file {} is larger than 64 KiB: not a password", path));
  }
  if (!text.empty() && text.back() == '\n') {
    text.pop_back();
    if (!text.empty() && text.back() == '\r') {
      text.pop_back();
    }
  }
  if (text.empty()) {
    throw usage_error(fmt::format("--redis-password-file {} is empty", path));
  }
  return text;
}

void apply_password(Address& address, const std::string& password_file, const Env& env) {
  if (!password_file.empty()) {
    address.password = read_password_file(password_file);
  } else if (address.password.empty()) {
    if (auto p = env.non_empty("GRAFLOW_REDIS_PASSWORD")) {
      address.password = *p;
    }
  }
}

std::string Address::endpoint() const {
  if (!unix_path.empty()) {
    return unix_path;
  }
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

Address parse_url(std::string_view url) {
  Address a;
  if (url.rfind("unix://", 0) == 0) {
    std::string_view rest = url.substr(7);
    const auto q = rest.find("?db=");
    if (q != std::string_view::npos) {
      a.db = parse_number(rest.substr(q + 4), 0, 1'000'000, "the database number", url);
      rest = rest.substr(0, q);
    }
    if (rest.empty() || rest[0] != '/') {
      throw usage_error(fmt::format("invalid Redis URL \"{}\": expected unix:///path/to/socket", redacted(url)));
    }
    a.unix_path = std::string(rest);
    return a;
  }
  if (url.rfind("rediss://", 0) == 0) {
    a.tls.enabled = true;
  } else if (url.rfind("redis://", 0) != 0) {
    throw usage_error(fmt::format(
        "invalid Redis URL \"{}\": expected redis[s]://[user:password@]host[:port][/db]", redacted(url)));
  }
  std::string_view rest = url.substr(a.tls.enabled ? 9 : 8);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      a.db = parse_number(db, 0, 1'000'000, "the database number", url);
    }
  }
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // redis://secret@host: a bare userinfo is the password, as redis-cli reads it.
      a.password = percent_decode(userinfo, url);
    } else {
      a.user = percent_decode(userinfo.substr(0, colon), url);
      a.password = percent_decode(userinfo.substr(colon + 1), url);
    }
  }
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      throw usage_error(fmt::format("invalid Redis URL \"{}\": unclosed [ in the host", redacted(url)));
    }
    a.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        throw usage_error(fmt::format("invalid Redis URL \"{}\": unexpected text after the host", redacted(url)));
      }
      port = after.substr(1);
      if (port.empty()) {
        throw usage_error(fmt::format("invalid Redis URL \"{}\": empty port", redacted(url)));
      }
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
      if (port.empty()) {
        throw usage_error(fmt::format("invalid Redis URL \"{}\": empty port", redacted(url)));
      }
    }
    a.host = std::string(authority);
  }
  if (a.host.empty()) {
    throw usage_error(fmt::format("invalid Redis URL \"{}\": no host", redacted(url)));
  }
  if (!port.empty()) {
    a.port = parse_number(port, 1, 65535, "the port", url);
  }
  return a;
}


} // namespace graflow::redis
