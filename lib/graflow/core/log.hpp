#pragma once
// Diagnostics on stderr, filtered by -v. Never pass secrets here: callers redact first.
#include <fmt/format.h>

#include <string_view>

namespace graflow::log {

void set_verbosity(int level);
int verbosity();
void write(std::string_view line);

// Level 1: what graflowctl does (connections, requests); level 2: details.
template <typename... Args> void debug(int level, fmt::format_string<Args...> f, Args&&... args) {
  if (verbosity() >= level) {
    write(fmt::format(f, std::forward<Args>(args)...));
  }
}

} // namespace graflow::log
