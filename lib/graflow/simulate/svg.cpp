#include "graflow/simulate/svg.hpp"

#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <mutex>

#ifndef GRAFLOW_NET_REL
#define GRAFLOW_NET_REL "../lib/graflowctl"
#endif

namespace graflow::simulate {
namespace {

// graflowctl-plot.so next to the binary (build tree) or in lib/graflowctl/ (installed),
// where the net modules are.
RenderSvg load() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::filesystem::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / "graflowctl-plot.so");
    candidates.push_back(exe.parent_path() / GRAFLOW_NET_REL / "graflowctl-plot.so");
#ifdef GRAFLOW_PLOT_BUILD_DIR
    candidates.emplace_back(GRAFLOW_PLOT_BUILD_DIR "/graflowctl-plot.so"); // tests run from other directories
#endif
  }
  std::string last_error = "not found";
  for (const auto& path : candidates) {
    if (!std::filesystem::exists(path)) {
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      last_error = dlerror();
      continue;
    }
    auto* entry = reinterpret_cast<RenderSvg (*)()>(dlsym(handle, "graflow_plot_svg"));
    if (entry == nullptr) {
      last_error = fmt::format("{} has no graflow_plot_svg", path.string());
      continue;
    }
    return entry();
  }
  throw failure(fmt::format("cannot load graflowctl-plot.so, which --svg needs ({}); reinstall graflowctl", last_error));
}

} // namespace

void write_svg(const std::filesystem::path& path, const PlotData& data) {
  static std::once_flag once;
  static RenderSvg render = nullptr;
  std::call_once(once, [] { render = load(); });
  std::string svg;
  try {
    svg = render(data);
  } catch (const std::exception& e) {
    throw failure(fmt::format("cannot draw {}: {}", path.string(), e.what()));
  }
  write_file_atomically(path, svg);
}

} // namespace graflow::simulate
