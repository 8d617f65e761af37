#include "graflow/core/env.hpp"

#include <cstdlib>

namespace graflow {

std::optional<std::string> ProcessEnv::get(std::string_view name) const {
  // The one place the library reads the process environment.
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) {
    return std::nullopt;
  }
  return std::string(v);
}

} // namespace graflow
