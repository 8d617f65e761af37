#include "graflow/core/log.hpp"

#include <cstdio>

namespace graflow::log {
namespace {
int g_level = 0;
}

void set_verbosity(int level) { g_level = level; }
int verbosity() { return g_level; }
void write(std::string_view line) { std::fprintf(stderr, "graflowctl: %.*s\n", static_cast<int>(line.size()), line.data()); }

} // namespace graflow::log
