#include "graflow/simulate/svg.hpp"

#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/module.hpp"

#include <fmt/format.h>
#include <mutex>

namespace graflow::simulate {
namespace {

// graflowctl-plot.so next to the binary (build tree) or in lib/graflowctl/ (installed),
// where the net module is.
RenderSvg load() {
  module::Spec spec{"graflowctl-plot.so", "graflow_plot_svg", "--svg needs", "reinstall graflowctl", {}, {}};
#ifdef GRAFLOW_PLOT_BUILD_DIR
  spec.last.emplace_back(GRAFLOW_PLOT_BUILD_DIR "/graflowctl-plot.so"); // tests run from other directories
#endif
  return reinterpret_cast<RenderSvg (*)()>(module::load_symbol(spec))();
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
