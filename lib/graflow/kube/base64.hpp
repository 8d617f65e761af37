#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace graflow::kube {

// Standard base64 (RFC 4648, with or without padding; whitespace ignored), as kubeconfig
// *-data fields are written. nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

std::string base64_encode(std::string_view data);

} // namespace graflow::kube
