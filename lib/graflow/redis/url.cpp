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

std::string read_password_file(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error(fmt::format("cannot read {} {}: {}", flag, path, errno_text(errno)));
  }
  constexpr std::size_t limit = 64 * 1024;
  std::string text;
  text.resize(limit + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limit) {
    throw usage_error(fmt::format("{} {} is larger than 64 KiB: not a password", flag, path));
  }
  if (!text.empty() && text.back() == '\n') {
    text.pop_back();
    if (!text.empty() && text.back() == '\r') {
      text.pop_back();
    }
  }
  if (text.empty()) {
    throw usage_error(fmt::format("{} {} is empty", flag, path));
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
  if (mode != Mode::single && !nodes.empty()) {
    std::string list;
    for (const HostPort& n : nodes) {
      list += (list.empty() ? "" : ",") + n.endpoint();
    }
    return mode == Mode::sentinel ? fmt::format("master {} via sentinels {}", master_name, list)
                                  : fmt::format("cluster {}", list);
  }
  return HostPort{host, port}.endpoint();
}

namespace {

// host[:port] or [v6]:port, one element of a URL's host list.
HostPort parse_host_port(std::string_view authority, int default_port, std::string_view url) {
  HostPort out;
  out.port = default_port;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      throw usage_error(fmt::format("invalid Redis URL \"{}\": unclosed [ in the host", redacted(url)));
    }
    out.host = std::string(authority.substr(1, close - 1));
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
    out.host = std::string(authority);
  }
  if (out.host.empty()) {
    throw usage_error(fmt::format("invalid Redis URL \"{}\": no host", redacted(url)));
  }
  if (!port.empty()) {
    out.port = parse_number(port, 1, 65535, "the port", url);
  }
  return out;
}

struct Scheme {
  std::string_view prefix;
  Mode mode;
  bool tls;
  int default_port;
};

constexpr Scheme schemes[] = {
    {"redis://", Mode::single, false, 6379},          {"rediss://", Mode::single, true, 6379},
    {"redis+sentinel://", Mode::sentinel, false, 26379}, {"rediss+sentinel://", Mode::sentinel, true, 26379},
    {"redis+cluster://", Mode::cluster, false, 6379},   {"rediss+cluster://", Mode::cluster, true, 6379},
};

} // namespace

std::string HostPort::endpoint() const {
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
  const Scheme* scheme = nullptr;
  for (const Scheme& s : schemes) {
    if (url.rfind(s.prefix, 0) == 0) {
      scheme = &s;
      break;
    }
  }
  if (scheme == nullptr) {
    throw usage_error(fmt::format("invalid Redis URL \"{}\": expected redis[s]://[user:password@]host[:port][/db], "
                                  "redis[s]+sentinel://[user:password@]host:port[,host:port...]/MASTER[/db], "
                                  "redis[s]+cluster://[user:password@]host:port[,host:port...] or unix:///path",
                                  redacted(url)));
  }
  a.mode = scheme->mode;
  a.tls.enabled = scheme->tls;
  std::string_view rest = url.substr(scheme->prefix.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (a.mode == Mode::sentinel) {
    const auto next = path.find('/');
    a.master_name = std::string(path.substr(0, next));
    path = next == std::string_view::npos ? std::string_view{} : path.substr(next + 1);
    if (a.master_name.empty()) {
      throw usage_error(fmt::format("invalid Redis URL \"{}\": no master name (redis+sentinel://host:port/MASTER)",
                                    redacted(url)));
    }
  }
  if (!path.empty()) {
    a.db = parse_number(path, 0, 1'000'000, "the database number", url);
    if (a.mode == Mode::cluster && a.db != 0) {
      throw usage_error(fmt::format("invalid Redis URL \"{}\": a Redis Cluster has only database 0", redacted(url)));
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
  if (a.mode == Mode::single) {
    HostPort hp = parse_host_port(authority, scheme->default_port, url);
    a.host = std::move(hp.host);
    a.port = hp.port;
    return a;
  }
  std::size_t from = 0;
  while (from <= authority.size()) {
    const auto comma = authority.find(',', from);
    const std::string_view one = authority.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
    a.nodes.push_back(parse_host_port(one, scheme->default_port, url));
    if (comma == std::string_view::npos) {
      break;
    }
    from = comma + 1;
  }
  a.host = a.nodes.front().host;
  a.port = a.nodes.front().port;
  return a;
}

} // namespace graflow::redis
