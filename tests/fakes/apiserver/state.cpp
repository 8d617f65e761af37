#include "state.hpp"

#include <stdexcept>

namespace fake {

using nlohmann::json;

json Fault::to_json() const {
  json out = {{"method", method}, {"path", pattern}, {"action", action}, {"count", remaining}};
  if (action == "status") {
    out["status"] = status;
  } else if (action == "hang") {
    out["seconds"] = seconds;
  }
  return out;
}

Fault parse_fault(const json& spec) {
  if (!spec.is_object()) {
    throw std::invalid_argument("a fault must be a JSON object");
  }
  Fault f;
  f.method = spec.value("method", "");
  f.pattern = spec.value("path", "");
  try {
    f.path = std::regex(f.pattern);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("path is not a valid regex: " + std::string(e.what()));
  }
  f.action = spec.value("action", "status");
  if (f.action != "status" && f.action != "hang" && f.action != "drop") {
    throw std::invalid_argument("action must be status, hang or drop");
  }
  f.status = spec.value("status", 500);
  if (f.status < 100 || f.status > 599) {
    throw std::invalid_argument("status must be an HTTP status code");
  }
  f.reason = spec.value("reason", "");
  f.message = spec.value("message", "");
  f.seconds = spec.value("seconds", 0.0);
  f.remaining = spec.value("count", 1);
  return f;
}

void ServerState::add_fault(Fault fault) {
  std::lock_guard lock(faults_mutex_);
  faults_.push_back(std::move(fault));
}

void ServerState::clear_faults() {
  std::lock_guard lock(faults_mutex_);
  faults_.clear();
}

json ServerState::faults_json() {
  std::lock_guard lock(faults_mutex_);
  json out = json::array();
  for (const auto& f : faults_) {
    out.push_back(f.to_json());
  }
  return out;
}

std::optional<Fault> ServerState::take_fault(const std::string& method, const std::string& path) {
  std::lock_guard lock(faults_mutex_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if ((!it->method.empty() && it->method != method) || !std::regex_search(path, it->path)) {
      continue;
    }
    Fault hit = *it;
    if (it->remaining > 0 && --it->remaining == 0) {
      faults_.erase(it);
    }
    return hit;
  }
  return std::nullopt;
}

void ServerState::log_request(json entry) {
  std::lock_guard lock(log_mutex_);
  log_.push_back(std::move(entry));
}

json ServerState::requests_json() {
  std::lock_guard lock(log_mutex_);
  return log_;
}

void ServerState::clear_requests() {
  std::lock_guard lock(log_mutex_);
  log_ = json::array();
}

bool ServerState::sleep_unless_stopped(std::chrono::duration<double> d) {
  std::unique_lock lock(stop_mutex_);
  if (d.count() < 0) {
    stop_cv_.wait(lock, [&] { return stopping_; });
    return false;
  }
  return !stop_cv_.wait_for(lock, d, [&] { return stopping_; });
}

void ServerState::request_stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

bool ServerState::stopping() {
  std::lock_guard lock(stop_mutex_);
  return stopping_;
}

} // namespace fake
