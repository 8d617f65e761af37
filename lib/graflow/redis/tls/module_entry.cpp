#include "graflow/redis/tls/openssl_session.hpp"

extern "C" __attribute__((visibility("default"))) const graflow::redis::TlsApi*
graflow_tls_api(const graflow::log::Host* host) {
  if (host != nullptr) {
    graflow::log::attach(*host);
  }
  static const graflow::redis::TlsApi api{&graflow::redis::start_openssl_session};
  return &api;
}
