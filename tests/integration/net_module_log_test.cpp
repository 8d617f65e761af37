// The dlopen'ed graflowctl-net.so logs with the level and sink of the process that loads
// it (log::Host handed to graflow_net_api), not with its own copy of core/log, whose level
// would stay 0 whatever -v says.
#include "exporter_process.hpp"
#include "graflow/core/log.hpp"
#include "graflow/net/module.hpp"

#include <dlfcn.h>
#include <doctest/doctest.h>
#include <filesystem>
#include <future>
#include <mutex>

namespace {

std::mutex g_mutex;
std::string g_lines;
int g_level = 0;
int host_verbosity() { return g_level; }
void host_write(const char* data, std::size_t size) {
  std::lock_guard lock(g_mutex);
  g_lines.append(data, size).append("\n");
}

} // namespace

TEST_CASE("code inside graflowctl-net.so logs through the host's level and sink") {
  const auto path = std::filesystem::path(graflow::testing::graflowctl_binary()).parent_path() / "graflowctl-net.so";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE_MESSAGE(handle != nullptr, dlerror());
  void* symbol = dlsym(handle, "graflow_net_api");
  REQUIRE(symbol != nullptr);
  auto* entry = reinterpret_cast<const graflow::net::Api* (*)(const graflow::log::Host*)>(symbol);
  const graflow::log::Host host{&host_verbosity, &host_write};
  const graflow::net::Api* api = entry(&host);

  auto server = graflow::net::make_http_server();
  server->bind("127.0.0.1", 0);
  auto serving = std::async(std::launch::async, [&] {
    server->serve([](const graflow::net::ServerRequest&) { return graflow::net::ServerResponse{}; });
  });
  const std::string url = "http://127.0.0.1:" + std::to_string(server->port()) + "/probe?token=x";
  auto client = api->make_client({});
  graflow::net::HttpRequest request;
  request.url = url;
  g_level = 0;
  CHECK(client->send(request).status == 200);
  CHECK(g_lines.empty()); // the host's level 0 holds inside the module
  g_level = 2;
  CHECK(client->send(request).status == 200);
  CHECK(g_lines == "HTTP GET http://127.0.0.1:" + std::to_string(server->port()) + "/probe -> 200\n");
  server->stop();
  serving.wait();
}
