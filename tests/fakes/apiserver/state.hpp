#pragma once

#include "store.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace fake {

struct Config {
  std::map<std::string, std::string> tokens; // bearer token -> user name
  std::chrono::milliseconds ready_delay{0};
};

// A value served by the external metrics API, set through the control API.
struct MetricValue {
  std::string ns;
  std::string metric;
  nlohmann::json labels; // string map
  std::string value;     // a Quantity
  std::string timestamp;
};

// A failure to inject into the next matching API requests.
struct Fault {
  std::string method;  // empty: any
  std::string pattern; // regex searched in the path; empty: any
  std::regex path;
  std::string action; // status | hang | drop
  int status = 500;
  std::string reason;
  std::string message;
  double seconds = 0; // hang: < 0 means until shutdown
  int remaining = 1;  // <= 0: until cleared

  nlohmann::json to_json() const;
};

// Parses a fault from the control API; throws std::invalid_argument naming the bad field.
Fault parse_fault(const nlohmann::json& spec);

// Everything the request handlers share. Each member guards itself or is guarded by the
// named mutex, because httplib serves requests from a thread pool.
class ServerState {
public:
  explicit ServerState(Config cfg) : config(std::move(cfg)) {}

  const Config config;
  Store store;

  std::mutex metrics_mutex;
  std::vector<MetricValue> metrics;

  void add_fault(Fault fault);
  void clear_faults();
  nlohmann::json faults_json();
  // Consumes one use of the first fault matching the request, if any.
  std::optional<Fault> take_fault(const std::string& method, const std::string& path);

  void log_request(nlohmann::json entry);
  nlohmann::json requests_json();
  void clear_requests();

  // Sleeps for `d` (forever if negative) or until shutdown; returns false on shutdown.
  bool sleep_unless_stopped(std::chrono::duration<double> d);
  void request_stop();
  bool stopping();

private:
  std::mutex faults_mutex_;
  std::vector<Fault> faults_;
  std::mutex log_mutex_;
  nlohmann::json log_ = nlohmann::json::array();
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

} // namespace fake
