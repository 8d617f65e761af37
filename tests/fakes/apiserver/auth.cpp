#include "auth.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>

namespace fake {

namespace {

void print_openssl_error(const char* what, const std::string& file) {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  std::fprintf(stderr, "fake-apiserver: cannot load %s %s: %s\n", what, file.c_str(), buf);
}

} // namespace

bool configure_tls(SSL_CTX& ctx, const std::string& cert, const std::string& key, const std::string& client_ca) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) != 1) {
    print_openssl_error("certificate", cert);
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(&ctx) != 1) {
    print_openssl_error("private key", key);
    return false;
  }
  if (SSL_CTX_load_verify_locations(&ctx, client_ca.c_str(), nullptr) != 1) {
    print_openssl_error("client CA", client_ca);
    return false;
  }
  SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(client_ca.c_str()));
  // Ask for a certificate but let the handshake succeed without one (or with a bad one):
  // authentication decides per request, so such clients get a 401 instead of a TLS alert.
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  SSL_CTX_set_purpose(&ctx, X509_PURPOSE_SSL_CLIENT);
  static const unsigned char session_context[] = "fake-apiserver";
  SSL_CTX_set_session_id_context(&ctx, session_context, sizeof session_context - 1);
  return true;
}

std::optional<std::string> authenticate(const httplib::Request& req, const std::map<std::string, std::string>& tokens) {
  if (req.ssl != nullptr) {
    X509* cert = SSL_get0_peer_certificate(req.ssl);
    if (cert != nullptr && SSL_get_verify_result(req.ssl) == X509_V_OK) {
      char cn[256] = {};
      if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
        return std::string(cn);
      }
    }
  }
  const std::string header = req.get_header_value("Authorization");
  if (header.size() > 7 && (header.compare(0, 7, "Bearer ") == 0 || header.compare(0, 7, "bearer ") == 0)) {
    const auto it = tokens.find(header.substr(7));
    if (it != tokens.end()) {
      return it->second;
    }
  }
  return std::nullopt;
}

} // namespace fake
