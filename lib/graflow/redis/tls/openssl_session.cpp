// The OpenSSL side of rediss:// (graflow/redis/tls.hpp): built into graflowctl-tls.so, so
// that only a TLS connection loads libssl and libcrypto.
#include "graflow/redis/tls/openssl_session.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/printable.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>

namespace graflow::redis {
namespace {

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// OpenSSL writes to the socket with write(2): a peer that closed would raise SIGPIPE and
// kill graflowctl. Blocked on this thread while OpenSSL runs; one that arrives is consumed.
class SigpipeGuard {
public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

// The first certificate that failed verification, as the verify callback saw it.
struct Rejected {
  int error = X509_V_OK;
  std::string subject;
  std::string issuer;
  std::string not_before;
  std::string not_after;
  std::string names; // subjectAltName DNS and IP entries, or the CN
};

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) {
    return "?";
  }
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof buf);
  return printable(buf, 120);
}

std::string time_text(const ASN1_TIME* t) {
  if (t == nullptr) {
    return "?";
  }
  BIO* bio = BIO_new(BIO_s_mem());
  ASN1_TIME_print(bio, t);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string cert_names(X509* cert) {
  std::string out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    std::string item;
    if (n->type == GEN_DNS) {
      item = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                         static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
    } else if (n->type == GEN_IPADD && (n->d.iPAddress->length == 4 || n->d.iPAddress->length == 16)) {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(n->d.iPAddress->length == 4 ? AF_INET : AF_INET6, n->d.iPAddress->data, buf, sizeof buf);
      item = buf;
    }
    if (!item.empty()) {
      out += (out.empty() ? "" : ", ") + printable(item, 80);
    }
  }
  GENERAL_NAMES_free(names);
  if (out.empty()) {
    char cn[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    out = printable(cn, 80);
  }
  return out.empty() ? "no name" : out;
}

int verify_callback(int ok, X509_STORE_CTX* store) {
  if (ok == 1) {
    return ok;
  }
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* rejected = ssl != nullptr ? static_cast<Rejected*>(SSL_get_app_data(ssl)) : nullptr;
  if (rejected != nullptr && rejected->error == X509_V_OK) {
    rejected->error = X509_STORE_CTX_get_error(store);
    if (X509* cert = X509_STORE_CTX_get_current_cert(store); cert != nullptr) {
      rejected->subject = name_text(X509_get_subject_name(cert));
      rejected->issuer = name_text(X509_get_issuer_name(cert));
      rejected->not_before = time_text(X509_get0_notBefore(cert));
      rejected->not_after = time_text(X509_get0_notAfter(cert));
      rejected->names = cert_names(cert);
    }
  }
  return ok;
}

// The reason of the last OpenSSL error, and the queue cleared.
unsigned long last_error() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  return e;
}

std::string reason_text(unsigned long e) {
  const char* r = ERR_reason_error_string(e);
  return r != nullptr ? r : "unknown TLS error";
}

void check_readable(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error(fmt::format("cannot read {} {}: {}", flag, path, errno_text(errno)));
  }
}

bool is_ip(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

struct Impl {
  std::string endpoint;
  std::string name; // the name checked
  bool server_name_flag = false;
  bool client_cert = false;
  bool insecure = false;
  std::string ca_file;
  int fd = -1;
  int cancel_fd = -1;
  bool got_data = false;
  Rejected rejected;
  std::unique_ptr<SSL_CTX, CtxFree> ctx;
  std::unique_ptr<SSL, SslFree> ssl;

  std::string verify_message() const {
    const Rejected& r = rejected;
    switch (r.error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fmt::format("the server's certificate ({}) expired on {}", r.subject, r.not_after);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fmt::format("the server's certificate ({}) is not valid before {}", r.subject, r.not_before);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return fmt::format("the server's certificate is signed by an unknown CA (issuer {}, not in {})", r.issuer,
                         ca_file.empty() ? "the system trust store; give --redis-ca-file"
                                         : fmt::format("--redis-ca-file {}", ca_file));
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return fmt::format("certificate name mismatch: the server's certificate is for {}, not {}{}", r.names, name,
                         server_name_flag ? " (--redis-tls-server-name)"
                                          : " (--redis-tls-server-name sets the name to check)");
    default:
      return fmt::format("the server's certificate was rejected: {}",
                         X509_verify_cert_error_string(static_cast<long>(r.error)));
    }
  }

  // A close before any reply, with TLS 1.3, is often the server's verdict on the client
  // certificate (the alert that says so can be lost when the server resets the socket).
  std::string closed_message(const char* what) const {
    if (got_data) {
      return what;
    }
    if (!client_cert) {
      return fmt::format("{}; the server may require a client certificate (--redis-cert-file)", what);
    }
    return fmt::format("{}; the server may have rejected the client certificate (--redis-cert-file)", what);
  }

  // Why the handshake or a read failed, from OpenSSL's error code and queue.
  std::string failure_text(int ssl_error) {
    const int saved_errno = errno;
    if (rejected.error != X509_V_OK) {
      ERR_clear_error();
      return verify_message();
    }
    const unsigned long e = last_error();
    if (ssl_error == SSL_ERROR_ZERO_RETURN || (ssl_error == SSL_ERROR_SYSCALL && e == 0) ||
        ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      return closed_message("the server closed the connection");
    }
    if (ssl_error == SSL_ERROR_SYSCALL) {
      if (saved_errno == ECONNRESET || saved_errno == EPIPE) {
        return closed_message("the server reset the connection");
      }
      return errno_text(saved_errno);
    }
    switch (ERR_GET_REASON(e)) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
      return "the server does not speak TLS (a plaintext Redis? use redis://)";
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return "the server requires a client certificate (--redis-cert-file and --redis-key-file)";
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      return closed_message("the server refused the handshake");
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
      return fmt::format("the server rejected the client certificate (--redis-cert-file): {}", reason_text(e));
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return "the server offers no TLS 1.2 or later";
    default:
      return reason_text(e);
    }
  }

  void setup(const Address& address) {
    const Tls& tls = address.tls;
    ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx) {
      throw failure(fmt::format("cannot set up TLS for Redis at {}: {}", endpoint, reason_text(last_error())));
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    if (!tls.ca_file.empty()) {
      check_readable(tls.ca_file, "--redis-ca-file");
      if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1) {
        throw usage_error(
            fmt::format("cannot load --redis-ca-file {}: {}", tls.ca_file, reason_text(last_error())));
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      log::debug(1, "cannot load the system trust store: {}", reason_text(last_error()));
    }
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
      if (tls.cert_file.empty() || tls.key_file.empty()) {
        throw usage_error("--redis-cert-file and --redis-key-file go together");
      }
      check_readable(tls.cert_file, "--redis-cert-file");
      check_readable(tls.key_file, "--redis-key-file");
      if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1) {
        throw usage_error(
            fmt::format("cannot load --redis-cert-file {}: {}", tls.cert_file, reason_text(last_error())));
      }
      if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw usage_error(
            fmt::format("cannot load --redis-key-file {}: {}", tls.key_file, reason_text(last_error())));
      }
      if (SSL_CTX_check_private_key(ctx.get()) != 1) {
        ERR_clear_error();
        throw usage_error(fmt::format("--redis-key-file {} is not the key of --redis-cert-file {}", tls.key_file,
                                      tls.cert_file));
      }
      client_cert = true;
    }
    SSL_CTX_set_verify(ctx.get(), insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, insecure ? nullptr : verify_callback);
    ssl.reset(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
      throw failure(fmt::format("cannot set up TLS for Redis at {}: {}", endpoint, reason_text(last_error())));
    }
    SSL_set_app_data(ssl.get(), &rejected);
    SSL_set_mode(ssl.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    const bool ip = is_ip(name);
    if (!ip) {
      SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    }
    if (!insecure) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
      if (ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      }
    }
  }

  // Waits for what OpenSSL asked for; `ok` to retry the call.
  Io::Status wait_for(int ssl_error, Deadline deadline) const {
    return wait_fd(fd, ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, deadline, cancel_fd);
  }
};

class OpenSslSession final : public TlsSession {
public:
  OpenSslSession(const Address& address, int fd, Deadline deadline, std::chrono::milliseconds timeout, int cancel_fd);
  [[nodiscard]] TlsInfo info() const override;
  Io write_all(std::string_view data, Deadline deadline) override;
  Io read_some(char* buf, std::size_t size, Deadline deadline) override;

private:
  Impl impl_;
};

OpenSslSession::OpenSslSession(const Address& address, int fd, Deadline deadline, std::chrono::milliseconds timeout,
                               int cancel_fd) {
  Impl& m = impl_;
  m.endpoint = address.endpoint();
  m.server_name_flag = !address.tls.server_name.empty();
  m.name = m.server_name_flag ? address.tls.server_name : address.host;
  m.insecure = address.tls.insecure;
  m.ca_file = address.tls.ca_file;
  m.fd = fd;
  m.cancel_fd = cancel_fd;
  m.setup(address);
  const SigpipeGuard guard;
  while (true) {
    ERR_clear_error();
    const int rc = SSL_connect(m.ssl.get());
    if (rc == 1) {
      break;
    }
    const int e = SSL_get_error(m.ssl.get(), rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      const auto st = m.wait_for(e, deadline);
      if (st == Io::Status::cancelled) {
        throw interrupted("");
      }
      if (st == Io::Status::timeout) {
        // A plaintext Redis waits for the end of a "command" that never comes.
        const bool silent = BIO_number_read(SSL_get_rbio(m.ssl.get())) == 0;
        throw failure(fmt::format("TLS handshake with Redis at {} did not finish within {}{}", m.endpoint,
                                  format_duration(timeout),
                                  silent ? ": the server sent nothing back (a plaintext Redis? use redis://)" : ""));
      }
      continue;
    }
    throw failure(fmt::format("TLS handshake with Redis at {} failed: {}", m.endpoint, m.failure_text(e)));
  }
  log::debug(1, "TLS with Redis at {}: {}, {}{}", m.endpoint, SSL_get_version(m.ssl.get()),
             SSL_get_cipher_name(m.ssl.get()), m.insecure ? ", certificate NOT verified" : ", certificate verified");
}

TlsInfo OpenSslSession::info() const {
  const Impl& m = impl_;
  TlsInfo out;
  out.version = SSL_get_version(m.ssl.get());
  out.verified = !m.insecure && SSL_get_verify_result(m.ssl.get()) == X509_V_OK;
  if (out.verified) {
    // The certificate's own name that matched (a wildcard's match, say); OpenSSL records
    // none for an IP address, which matched as given.
    const char* matched = SSL_get0_peername(m.ssl.get());
    out.peer_name = matched != nullptr ? printable(matched, 120) : m.name;
  }
  return out;
}

Io OpenSslSession::write_all(std::string_view data, Deadline deadline) {
  Impl& m = impl_;
  const SigpipeGuard guard;
  std::size_t done = 0;
  while (done < data.size()) {
    ERR_clear_error();
    std::size_t n = 0;
    if (SSL_write_ex(m.ssl.get(), data.data() + done, data.size() - done, &n) == 1) {
      done += n;
      continue;
    }
    const int e = SSL_get_error(m.ssl.get(), 0);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (const auto st = m.wait_for(e, deadline); st != Io::Status::ok) {
        return {st, done, ""};
      }
      continue;
    }
    return {Io::Status::error, done, m.failure_text(e)};
  }
  return {Io::Status::ok, done, ""};
}

Io OpenSslSession::read_some(char* buf, std::size_t size, Deadline deadline) {
  Impl& m = impl_;
  const SigpipeGuard guard;
  while (true) {
    ERR_clear_error();
    std::size_t n = 0;
    if (SSL_read_ex(m.ssl.get(), buf, size, &n) == 1) {
      m.got_data = true;
      return {Io::Status::ok, n, ""};
    }
    const int e = SSL_get_error(m.ssl.get(), 0);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (const auto st = m.wait_for(e, deadline); st != Io::Status::ok) {
        return {st, 0, ""};
      }
      continue;
    }
    // With TLS 1.3 a server that wants a client certificate says so only after the
    // client finished its handshake: at the first read.
    const std::string why = m.failure_text(e);
    const bool closed = e == SSL_ERROR_ZERO_RETURN || why.rfind("the server closed", 0) == 0 ||
                        why.rfind("the server reset", 0) == 0;
    return {closed ? Io::Status::closed : Io::Status::error, 0, why};
  }
}

} // namespace

std::unique_ptr<TlsSession> start_openssl_session(const Address& address, int fd, Deadline deadline,
                                                  std::chrono::milliseconds timeout, int cancel_fd) {
  return std::make_unique<OpenSslSession>(address, fd, deadline, timeout, cancel_fd);
}

} // namespace graflow::redis
