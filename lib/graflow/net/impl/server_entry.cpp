// Entry point of graflowctl-httpd.so: the HTTP server alone. The exporter loads this
// module instead of graflowctl-net.so, so that a process serving /metrics for weeks does
// not keep libcurl and its ~25 libraries (GnuTLS, Kerberos, LDAP, SSH...) resident.
#include "graflow/net/impl/impl.hpp"

extern "C" __attribute__((visibility("default"))) const graflow::net::Api* graflow_net_api() {
  static const graflow::net::Api api{nullptr, &graflow::net::make_http_server};
  return &api;
}
