#include "graflow/net/impl/impl.hpp"

extern "C" __attribute__((visibility("default"))) const graflow::net::Api*
graflow_net_api(const graflow::log::Host* host) {
  if (host != nullptr) {
    graflow::log::attach(*host);
  }
  static const graflow::net::Api api{&graflow::net::make_curl_client};
  return &api;
}
