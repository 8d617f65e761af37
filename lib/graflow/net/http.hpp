#pragma once
// HTTP seams. The libcurl client lives in the graflowctl-net module, loaded only by
// commands that talk HTTP, so that short commands such as `queue depth` never pay for
// loading libcurl and OpenSSL (see module.hpp); the server (libevent) is linked into the
// binary (server.hpp).
#include "graflow/core/error.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graflow::net {

struct TlsOptions {
  bool insecure_skip_verify = false; // only when a kubeconfig says so
  std::string ca_file;               // PEM file, or
  std::string ca_pem;                // PEM data (certificate-authority-data, decoded)
  std::string server_name;           // tls-server-name: expected name in the server certificate
  std::string client_cert_file;      // client certificate (file or PEM data)
  std::string client_cert_pem;
  std::string client_key_file;
  std::string client_key_pem;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000}; // whole request, connect included
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;
};

// What failed below HTTP, so that callers can tell whether a retry may help.
enum class TransportFailure {
  connect, // refused, unreachable, cannot resolve: nothing was sent
  timeout, // no complete answer within HttpRequest::timeout
  tls,     // handshake or certificate verification failed
  closed,  // the connection broke after the request was (maybe) sent
  other,
};

// A failure Error thrown by HttpClient::send for transport problems.
class TransportError : public Error {
public:
  TransportError(TransportFailure kind, const std::string& message) : Error(Exit::failure, message), kind_(kind) {}
  [[nodiscard]] TransportFailure kind() const noexcept { return kind_; }

private:
  TransportFailure kind_;
};

class HttpClient {
public:
  virtual ~HttpClient() = default;
  // Sends one request and returns whatever status the server answered. Throws a
  // TransportError for transport problems (refused, timeout, TLS), naming the host and the
  // cause; the message never contains header values (tokens) or the body.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct ServerRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> headers;
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers; // extra headers, e.g. Allow on a 405
};

// A synchronous handler: returns the answer (it may block; the server runs it on a worker).
using Handler = std::function<ServerResponse(const ServerRequest&)>;
// Sends the answer to one request. Call it once, from any thread, at any time: a second
// call is ignored, a call after the client left or the server was destroyed is dropped, and
// one never made (the last copy destroyed uncalled) answers 500.
using Respond = std::function<void(ServerResponse)>;
// An asynchronous handler: runs on the server's event-loop thread, so it must not block;
// it answers through `respond`, at once or later from another thread.
using AsyncHandler = std::function<void(const ServerRequest&, Respond respond)>;

class HttpServer {
public:
  virtual ~HttpServer() = default;
  // Binds host:port (port 0 picks a free one); throws a failure Error naming the address.
  virtual void bind(const std::string& host, int port) = 0;
  // The bound port.
  [[nodiscard]] virtual int port() const = 0;
  // Serves requests with `handler` (called concurrently from worker threads) until stop();
  // requests that arrived since bind() are handled too (a 503 if stop() came first).
  virtual void serve(Handler handler) = 0;
  // serve(), with `handler` called on the event-loop thread, one request at a time.
  virtual void serve_async(AsyncHandler handler) = 0;
  // Stops accepting, lets in-flight requests finish, and makes serve() return. Thread-safe.
  virtual void stop() = 0;
};

} // namespace graflow::net
