#pragma once
// Diagnostics on stderr, filtered by -v. Never pass secrets here: callers redact first.
#include <cstddef>
#include <fmt/format.h>

#include <string_view>

namespace graflow::log {

void set_verbosity(int level);
int verbosity();
void write(std::string_view line);

// A log's level and sink as plain function pointers, for crossing into a dlopen'ed module:
// the module links its own static copy of this file, whose level would otherwise stay 0
// whatever -v says, and whose lines would bypass the host's sink.
struct Host {
  int (*verbosity)() = nullptr;
  void (*write)(const char* data, std::size_t size) = nullptr;
};

// This copy's level and sink (the binary hands it to a module's entry point).
Host host();

// Makes this copy's verbosity() and write() use `host`'s (a module's entry point calls it);
// a default Host goes back to this copy's own.
void attach(const Host& host);

// Level 1: what graflowctl does (connections, requests); level 2: details.
template <typename... Args> void debug(int level, fmt::format_string<Args...> f, Args&&... args) {
  if (verbosity() >= level) {
    write(fmt::format(f, std::forward<Args>(args)...));
  }
}

} // namespace graflow::log
