#include "graflow/kube/api_error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace graflow::kube {
namespace {

std::string excerpt(const std::string& body) {
  std::string text;
  for (const char c : body.substr(0, 200)) {
    text.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return body.size() > 200 ? text + "…" : text;
}

// client-go's messages for answers without a Status (apimachinery NewGenericServerResponse).
std::string generic_message(int status, const std::string& body) {
  switch (status) {
  case 400:
    return "the server rejected our request for an unknown reason";
  case 401:
    return "the server has asked for the client to provide credentials";
  case 403:
    return "the server does not allow access to the requested resource";
  case 404:
    return "the server could not find the requested resource";
  case 405:
    return "the server does not allow this method on the requested resource";
  case 406:
    return "the server was unable to respond with a content type that the client supports";
  case 409:
    return "the server reported a conflict";
  case 410:
    return "the server no longer has the requested resource";
  case 413:
    return "the server has rejected the request because it is too large";
  case 415:
    return "the server does not support the content type of the request";
  case 422:
    return "the server rejected our request due to an error in our request";
  case 429:
    return "the server has received too many requests and has asked us to try again later";
  case 503:
    return "the server is currently unable to handle the request";
  case 504:
    return "the server was unable to return a response in the time allotted, but may still be processing the request";
  default:
    break;
  }
  const std::string text = excerpt(body);
  return text.empty() ? fmt::format("an error on the server (HTTP {}) has prevented the request from succeeding", status)
                      : fmt::format("an error on the server (\"{}\") has prevented the request from succeeding", text);
}

} // namespace

ApiError::ApiError(int status, std::string reason, std::string message, const std::string& text)
    : Error(Exit::failure, text), status_(status), reason_(std::move(reason)), message_(std::move(message)) {}

std::string reason_for_status(int status) {
  switch (status) {
  case 400:
    return "BadRequest";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "NotFound";
  case 405:
    return "MethodNotAllowed";
  case 406:
    return "NotAcceptable";
  case 409:
    return "Conflict";
  case 410:
    return "Gone";
  case 413:
    return "RequestEntityTooLarge";
  case 415:
    return "UnsupportedMediaType";
  case 422:
    return "Invalid";
  case 429:
    return "TooManyRequests";
  case 503:
    return "ServiceUnavailable";
  case 504:
    return "Timeout";
  default:
    return status >= 500 ? "InternalError" : "";
  }
}

ApiError api_error_from_response(int status, const std::string& body) {
  std::string reason;
  std::string message;
  bool named = false;
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.value("kind", "") == "Status") {
    if (const auto r = doc.find("reason"); r != doc.end() && r->is_string()) {
      reason = r->get<std::string>();
    }
    if (const auto m = doc.find("message"); m != doc.end() && m->is_string()) {
      message = m->get<std::string>();
    }
    if (const auto d = doc.find("details"); d != doc.end() && d->is_object()) {
      named = !d->value("name", "").empty();
    }
  }
  if (message.empty()) {
    message = generic_message(status, body);
    if (reason.empty()) {
      reason = reason_for_status(status);
    }
  }
  std::string text = reason.empty() || reason == "Unknown" ? fmt::format("Error from server: {}", message)
                                                           : fmt::format("Error from server ({}): {}", reason, message);
  ApiError e(status, reason, message, text);
  e.set_object(named);
  return e;
}

} // namespace graflow::kube
