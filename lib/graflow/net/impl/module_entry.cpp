#include "graflow/net/impl/impl.hpp"

extern "C" __attribute__((visibility("default"))) const graflow::net::Api* graflow_net_api() {
  static const graflow::net::Api api{&graflow::net::make_curl_client, &graflow::net::make_http_server};
  return &api;
}
