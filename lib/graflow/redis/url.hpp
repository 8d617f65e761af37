#pragma once
#include <string>
#include <string_view>

namespace graflow::redis {

// Where and how to reach Redis. The password is kept only to send it in AUTH: nothing
// that formats an Address for people (endpoint(), errors, logs) ever includes it.
struct Address {
  std::string host = "localhost";
  int port = 6379;
  std::string unix_path; // set for unix:// URLs instead of host/port
  std::string user;      // ACL user; empty: AUTH with the password only
  std::string password;
  int db = 0;

  // "host:port", "[::1]:6379" or the socket path: for messages.
  [[nodiscard]] std::string endpoint() const;
};

// redis://[user:password@]host[:port][/db] (user and password percent-decoded), or
// unix:///path/to/socket[?db=N]. Throws a usage Error that never repeats the password.
Address parse_url(std::string_view url);

// The URL graflowctl uses when nothing is given: --redis-url, then $GRAFLOW_REDIS_URL,
// then the seed's $REDIS_HOST (port 6379), then `fallback` (a profile's redis.url), then
// redis://localhost:6379/0. `source` tells where the chosen one came from, for messages.
struct ChosenUrl {
  std::string url;
  std::string source;
};
ChosenUrl choose_url(const std::string& flag, const std::string& fallback);

} // namespace graflow::redis
