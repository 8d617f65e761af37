#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/net/impl/impl.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <curl/curl.h>
#include <fmt/format.h>
#include <mutex>

namespace graflow::net {
namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    (*headers)[name] = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return size * n;
}

std::string host_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class CurlClient final : public HttpClient {
public:
  explicit CurlClient(ClientOptions options) : options_(std::move(options)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_.reset(curl_easy_init());
    if (!curl_) {
      throw failure("cannot initialise libcurl");
    }
  }

  HttpResponse send(const HttpRequest& request) override {
    CURL* c = curl_.get();
    curl_easy_reset(c); // keeps the connection cache: keep-alive across requests
    HttpResponse response;
    const Target target = target_of(request.url);
    curl_easy_setopt(c, CURLOPT_URL, target.url.c_str());
    if (!target.connect_to.empty()) {
      connect_to_.reset(curl_slist_append(nullptr, target.connect_to.c_str()));
      curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to_.get());
    }
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (request.timeout.count() > 0) {
      curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
      curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
    if (request.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
               request.method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    std::unique_ptr<curl_slist, SlistFree> headers;
    for (const auto& [name, value] : request.headers) {
      const std::string line = fmt::format("{}: {}", name, value);
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    // An empty Expect stops curl from waiting for 100-continue on larger bodies.
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    apply_tls(c);

    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      long os_errno = 0;
      curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
      throw describe(rc, errbuf, static_cast<int>(os_errno), request);
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    // Logged inside the module with the binary's level and sink (log::attach): no query
    // string, no headers (tokens).
    log::debug(2, "HTTP {} {} -> {}", request.method, request.url.substr(0, request.url.find('?')), response.status);
    return response;
  }

private:
  struct Target {
    std::string url;
    std::string connect_to; // CURLOPT_CONNECT_TO entry when tls-server-name differs from the host
  };

  // With tls-server-name, ask for the URL under that name (SNI and certificate check use
  // it) while connecting to the real host and port.
  Target target_of(const std::string& url) const {
    const std::string& name = options_.tls.server_name;
    if (name.empty()) {
      return {url, ""};
    }
    std::unique_ptr<CURLU, UrlFree> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
      return {url, ""};
    }
    char* host = nullptr;
    char* port = nullptr;
    curl_url_get(u.get(), CURLUPART_HOST, &host, 0);
    curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    const std::string h = host != nullptr ? host : "";
    const std::string p = port != nullptr ? port : "443";
    curl_free(host);
    curl_free(port);
    if (h.empty() || h == name) {
      return {url, ""};
    }
    curl_url_set(u.get(), CURLUPART_HOST, name.c_str(), 0);
    char* rewritten = nullptr;
    curl_url_get(u.get(), CURLUPART_URL, &rewritten, 0);
    Target t{rewritten != nullptr ? rewritten : url, fmt::format("{}:{}:{}:{}", name, p, h, p)};
    curl_free(rewritten);
    return t;
  }

  void apply_tls(CURL* c) const {
    const TlsOptions& tls = options_.tls;
    if (tls.insecure_skip_verify) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!tls.ca_file.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
    }
    if (!tls.ca_pem.empty()) {
      curl_blob blob{const_cast<char*>(tls.ca_pem.data()), tls.ca_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!tls.client_cert_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert_file.c_str());
    }
    if (!tls.client_cert_pem.empty()) {
      curl_blob blob{const_cast<char*>(tls.client_cert_pem.data()), tls.client_cert_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &blob);
    }
    if (!tls.client_key_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLKEY, tls.client_key_file.c_str());
    }
    if (!tls.client_key_pem.empty()) {
      // Key material stays in memory: no temporary file.
      curl_blob blob{const_cast<char*>(tls.client_key_pem.data()), tls.client_key_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &blob);
    }
  }

  static TransportError describe(CURLcode rc, const char* errbuf, int os_errno, const HttpRequest& request) {
    const std::string host = host_of(request.url);
    const std::string detail = *errbuf != '\0' ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_COULDNT_CONNECT: {
      std::string why = os_errno != 0 ? errno_text(os_errno) : "connection refused";
      if (!why.empty()) {
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
      }
      return {TransportFailure::connect, fmt::format("cannot connect to {}: {}", host, why)};
    }
    case CURLE_COULDNT_RESOLVE_HOST:
      return {TransportFailure::connect, fmt::format("cannot resolve host {}", host)};
    case CURLE_OPERATION_TIMEDOUT:
      return {TransportFailure::timeout, fmt::format("{} did not answer within {} ms", host, request.timeout.count())};
    case CURLE_PEER_FAILED_VERIFICATION:
      return {TransportFailure::tls, fmt::format("the TLS certificate of {} is not trusted: {}", host, detail)};
    case CURLE_SSL_CACERT_BADFILE:
      return {TransportFailure::tls, fmt::format("cannot use the certificate authority for {}: {}", host, detail)};
    case CURLE_SSL_CERTPROBLEM:
      return {TransportFailure::tls, fmt::format("cannot use the client certificate or key for {}: {}", host, detail)};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
      return {TransportFailure::tls, fmt::format("TLS handshake with {} failed: {}", host, detail)};
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
      // With TLS 1.3 a rejected client certificate shows up as an alert on the first read.
      if (detail.find("alert") != std::string::npos) {
        return {TransportFailure::tls, fmt::format("TLS handshake with {} failed: {}", host, detail)};
      }
      return {TransportFailure::closed,
              fmt::format("the connection to {} was closed before a response arrived ({})", host, detail)};
    default:
      return {TransportFailure::other, fmt::format("request to {} failed: {}", host, detail)};
    }
  }

  ClientOptions options_;
  std::unique_ptr<CURL, CurlFree> curl_;
  std::unique_ptr<curl_slist, SlistFree> connect_to_;
};

} // namespace

std::unique_ptr<HttpClient> make_curl_client(const ClientOptions& options) {
  return std::make_unique<CurlClient>(options);
}

} // namespace graflow::net
