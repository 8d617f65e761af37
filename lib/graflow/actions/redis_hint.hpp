#pragma once
// What `doctor` says about the Redis link: how it was reached (plaintext, or TLS with the
// version and the verified name) and, for each kind of failure, what to change.
#include "graflow/redis/url.hpp"

#include <optional>
#include <string>

namespace graflow::actions {

// "plaintext", or "TLS: TLSv1.3, certificate verified for NAME" (NOT verified with
// --redis-insecure-skip-tls-verify).
std::string redis_mode(const std::optional<redis::TlsInfo>& tls);

// The hint for a failed Redis check, from the message the redis layer threw (its messages
// name the cause: expired, unknown CA, name mismatch, client certificate, credentials,
// connection refused, timeout). `tls`: the URL was rediss://.
std::string redis_failure_hint(const std::string& message, bool tls);

} // namespace graflow::actions
