#include "graflow/core/env.hpp"

#include <cstdlib>

namespace graflow {

std::optional<std::string> ProcessEnv::get(std::string_view name) const {
  // The one place the library reads the process environment. Nothing in graflowctl calls
  // setenv/putenv, so getenv's race with them (concurrency-mt-unsafe) cannot happen.
  const char* v = std::getenv(std::string(name).c_str()); // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr) {
    return std::nullopt;
  }
  return std::string(v);
}

} // namespace graflow
