#include "graflow/net/module.hpp"

#include "graflow/core/module.hpp"

#include <mutex>

namespace graflow::net {
namespace {

// graflowctl-net.so from $GRAFLOW_NET_MODULE, next to the binary (build tree) or in
// lib/graflowctl/ (installed).
const Api* load() {
  return module::load_api<Api>({"graflowctl-net.so", "graflow_net_api", "graflowctl needs for HTTP",
                                "reinstall graflowctl or set GRAFLOW_NET_MODULE", {}, {}},
                               "GRAFLOW_NET_MODULE");
}

} // namespace

const Api& api() {
  static std::once_flag once;
  static const Api* loaded = nullptr;
  std::call_once(once, [] { loaded = load(); });
  return *loaded;
}

} // namespace graflow::net
