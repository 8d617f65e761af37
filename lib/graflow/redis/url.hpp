#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace graflow {
class Env;
}

namespace graflow::redis {

// TLS settings for rediss:// (the --redis-ca-file ... flags). Verification is on unless
// `insecure` is set; with no `ca_file` the system trust store is used.
struct Tls {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file;   // client certificate (mTLS), with key_file
  std::string key_file;
  std::string server_name; // SNI and the name checked; empty: the URL's host
  bool insecure = false;   // --redis-insecure-skip-tls-verify
};

// How the URL reaches Redis (DESIGN.md §5a).
enum class Mode { single, sentinel, cluster };

struct HostPort {
  std::string host;
  int port = 6379;
  // "host:port" or "[::1]:6379".
  [[nodiscard]] std::string endpoint() const;
};

// What a TLS handshake settled, for `doctor` to say how Redis was reached.
struct TlsInfo {
  std::string version;   // the protocol, as OpenSSL names it: "TLSv1.3"
  bool verified = false; // false only with --redis-insecure-skip-tls-verify
  std::string peer_name; // the name the certificate was verified for; empty when not verified
};

// Where and how to reach Redis. The password is kept only to send it in AUTH: nothing
// that formats an Address for people (endpoint(), errors, logs) ever includes it.
struct Address {
  std::string host = "localhost";
  int port = 6379;
  std::string unix_path; // set for unix:// URLs instead of host/port
  std::string user;      // ACL user; empty: AUTH with the password only
  std::string password;
  int db = 0;
  Tls tls;
  Mode mode = Mode::single;
  // sentinel: the sentinels; cluster: the seed nodes. host/port are then the first of them.
  std::vector<HostPort> nodes;
  std::string master_name;       // sentinel: the monitored master's name
  std::string sentinel_user;     // --redis-sentinel-user: ACL user for the sentinels
  std::string sentinel_password; // --redis-sentinel-password-file

  // "host:port", "[::1]:6379", the socket path, "master M via sentinels h:p,h:p" or
  // "cluster h:p,h:p": for messages.
  [[nodiscard]] std::string endpoint() const;
};

// redis://[user:password@]host[:port][/db] (user and password percent-decoded), the same
// with rediss:// (TLS enabled), redis[s]+sentinel://[user:password@]h1:26379,h2/MASTER[/db],
// redis[s]+cluster://[user:password@]h1:6379,h2:6379, or unix:///path/to/socket[?db=N]. Throws a usage Error
// that never repeats the password.
Address parse_url(std::string_view url);

// `url` with any password replaced by *** (a bare userinfo, redis://secret@host, is a
// password too). Every URL graflowctl prints or logs goes through this one function.
std::string redact_url(std::string_view url);

// The password from a file (`flag`, e.g. --redis-sentinel-password-file): its content with one
// trailing newline dropped. Throws a usage Error naming the flag and file, never its content.
std::string read_password_file(const std::string& path, const char* flag = "--redis-password-file");

// Sets `address.password` from --redis-password-file (when given: it wins), else keeps the
// URL's, else takes $GRAFLOW_REDIS_PASSWORD.
void apply_password(Address& address, const std::string& password_file, const Env& env);


} // namespace graflow::redis
