#pragma once
// Errors answered by the Kubernetes API server, printed the way kubectl prints them:
// `Error from server (NotFound): deployments.apps "x" not found`.
#include "graflow/core/error.hpp"

#include <string>

namespace graflow::kube {

// A non-2xx answer. A failure Error (exit 1) that keeps the HTTP status and the Status
// reason (NotFound, Conflict, Invalid, ...) for callers that react to them.
class ApiError : public Error {
public:
  // `text` is the full message (what()); `message` the server's Status message.
  ApiError(int status, std::string reason, std::string message, const std::string& text);

  [[nodiscard]] int status() const noexcept { return status_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] const std::string& server_message() const noexcept { return message_; }
  // A 404 for a named object (Status details.name set), as opposed to an unknown path or
  // a resource type the server does not serve (e.g. a CRD that is not installed).
  [[nodiscard]] bool object_not_found() const noexcept { return status_ == 404 && object_; }
  void set_object(bool named) noexcept { object_ = named; }

private:
  int status_;
  std::string reason_;
  std::string message_;
  bool object_ = false;
};

// The reason client-go assumes for a status without a Status body (409 -> Conflict, ...).
std::string reason_for_status(int status);

// The ApiError of a response: from its Status body when there is one, else worded like
// client-go for the code (`the server could not find the requested resource`), with a
// short excerpt of a non-JSON body for 5xx.
ApiError api_error_from_response(int status, const std::string& body);

} // namespace graflow::kube
