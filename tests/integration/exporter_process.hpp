#pragma once
// `graflowctl exporter` as a separate process on a free loopback port, and small helpers
// to talk to it and to a real Redis. Shared by the exporter integration tests.
#include "graflow/net/impl/impl.hpp"
#include "harness.hpp"

#include <chrono>
#include <cstdlib>
#include <hiredis/hiredis.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace graflow::testing {

class ExporterProcess {
public:
  // Starts `graflowctl <global_args> exporter --listen 127.0.0.1:PORT <args>` and waits
  // until it accepts connections.
  explicit ExporterProcess(const std::vector<std::string>& args, ProcessOptions options = {},
                           const std::vector<std::string>& global_args = {})
      : port_(free_port()) {
    std::vector<std::string> argv = {graflowctl_binary()};
    argv.insert(argv.end(), global_args.begin(), global_args.end());
    argv.insert(argv.end(), {"exporter", "--listen", "127.0.0.1:" + std::to_string(port_)});
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Process>(argv, std::move(options));
    try {
      wait_for_port(port_, std::chrono::seconds(10));
    } catch (const std::exception&) {
      throw std::runtime_error("the exporter did not start: " + process_->err());
    }
  }

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string url(const std::string& path) const { return "http://" + target() + path; }
  Process& process() { return *process_; }

private:
  int port_;
  std::unique_ptr<Process> process_;
};

// One HTTP request with the project's libcurl client (keep-alive across calls on the same
// client).
inline net::HttpResponse http(net::HttpClient& client, const std::string& url, const std::string& method = "GET",
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  net::HttpRequest request;
  request.method = method;
  request.url = url;
  request.timeout = timeout;
  return client.send(request);
}

inline net::HttpResponse http(const std::string& url, const std::string& method = "GET",
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto client = net::make_curl_client({});
  return http(*client, url, method, timeout);
}

// The value of `field:` in an INFO reply ("total_reads_processed", or a commandstats
// entry such as "cmdstat_llen" whose "calls=" is returned).
inline long long info_field(const std::string& info, const std::string& field) {
  const auto at = info.find("\n" + field + ":");
  if (at == std::string::npos) {
    return 0;
  }
  auto value = info.substr(at + field.size() + 2);
  if (value.rfind("calls=", 0) == 0) {
    value = value.substr(6);
  }
  return std::atoll(value.c_str());
}

// A persistent Redis connection for inspecting the server: its own commands then cost
// exactly one read each on the server side.
class RedisProbe {
public:
  explicit RedisProbe(int port, const std::string& password = "") {
    timeval tv{2, 0};
    ctx_ = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (ctx_ == nullptr || ctx_->err != 0) {
      throw std::runtime_error("cannot connect the Redis probe");
    }
    if (!password.empty()) {
      command({"AUTH", password});
    }
  }
  ~RedisProbe() { redisFree(ctx_); }
  RedisProbe(const RedisProbe&) = delete;
  RedisProbe& operator=(const RedisProbe&) = delete;

  std::string command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (r == nullptr) {
      throw std::runtime_error("the Redis probe lost its connection");
    }
    std::string out = r->str != nullptr ? std::string(r->str, r->len) : std::to_string(r->integer);
    freeReplyObject(r);
    return out;
  }

private:
  redisContext* ctx_ = nullptr;
};

// Lines of a /metrics page that are samples of `name` (not HELP/TYPE comments).
inline std::vector<std::string> sample_lines(const std::string& page, const std::string& name) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < page.size()) {
    auto end = page.find('\n', start);
    if (end == std::string::npos) {
      end = page.size();
    }
    const std::string line = page.substr(start, end - start);
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) {
      out.push_back(line);
    }
    start = end + 1;
  }
  return out;
}

} // namespace graflow::testing
