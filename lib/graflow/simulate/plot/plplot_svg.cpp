// The graflowctl-plot module: PLplot's SVG driver draws `simulate --svg`. PLplot keeps global
// state, so one chart is drawn at a time (a mutex), into memory (open_memstream), and the
// caller writes the file atomically.
#include "graflow/simulate/svg.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <plplot/plplot.h>
#include <stdexcept>

namespace {

using graflow::simulate::PlotData;
using graflow::simulate::PlotSeries;

struct Unit {
  double seconds;
  const char* name;
};

Unit time_unit(double end_s) {
  if (end_s > 2 * 86400) {
    return {86400, "days"};
  }
  if (end_s > 2 * 3600) {
    return {3600, "hours"};
  }
  if (end_s > 2 * 60) {
    return {60, "minutes"};
  }
  return {1, "seconds"};
}

// Colour-map-0 indexes set up in render(): one per series.
constexpr PLINT k_first_color = 1;

void panel(const std::vector<PlotSeries>& series, Unit unit, double end_s, const char* y_label, const char* title) {
  double top = 1;
  for (const auto& s : series) {
    for (double v : s.y) {
      top = std::max(top, v);
    }
  }
  pladv(0);
  plvsta();
  plwind(0, std::max(end_s, 1.0) / unit.seconds, 0, top * 1.1);
  plcol0(15);
  plbox("bcnst", 0, 0, "bcnstv", 0, 0);
  pllab((std::string("time (") + unit.name + ")").c_str(), y_label, title);
  std::vector<PLINT> opts;
  std::vector<PLINT> colors;
  std::vector<PLINT> styles;
  std::vector<PLFLT> widths;
  std::vector<const char*> texts;
  std::vector<PLINT> zeros;
  std::vector<PLFLT> ones;
  PLINT color = k_first_color;
  for (const auto& s : series) {
    std::vector<PLFLT> x(s.t.size());
    std::transform(s.t.begin(), s.t.end(), x.begin(), [&](double t) { return t / unit.seconds; });
    std::vector<PLFLT> y(s.y.begin(), s.y.end());
    plcol0(color);
    plwidth(1.5);
    plline(static_cast<PLINT>(x.size()), x.data(), y.data());
    opts.push_back(PL_LEGEND_LINE);
    colors.push_back(color);
    styles.push_back(1);
    widths.push_back(1.5);
    texts.push_back(s.label.c_str());
    zeros.push_back(0);
    ones.push_back(1.0);
    ++color;
  }
  plwidth(1);
  PLFLT legend_w = 0;
  PLFLT legend_h = 0;
  const auto n = static_cast<PLINT>(series.size());
  std::vector<PLINT> text_colors(series.size(), 15);
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, PL_POSITION_TOP | PL_POSITION_RIGHT |
           PL_POSITION_INSIDE, 0.02, 0.02, 0.08, 0, 15, 1, 0, 0, n, opts.data(), 1.0, 0.9, 2.0, 1.0,
           text_colors.data(), texts.data(), nullptr, nullptr, nullptr, nullptr, colors.data(), styles.data(),
           widths.data(), nullptr, nullptr, nullptr, nullptr);
}

std::string render(const PlotData& data) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  char* buffer = nullptr;
  std::size_t size = 0;
  FILE* mem = open_memstream(&buffer, &size);
  if (mem == nullptr) {
    throw std::runtime_error("cannot allocate the drawing");
  }
  plsdev("svg");
  plsfile(mem);
  plspage(0, 0, 1000, 700, 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);          // axes and text: black
  plscol0(1, 31, 119, 180);      // series colours (Tableau 10)
  plscol0(2, 255, 127, 14);
  plscol0(3, 44, 160, 44);
  plscol0(4, 214, 39, 40);
  plstar(1, 2);
  const auto unit = time_unit(data.end_s);
  panel(data.depth, unit, data.end_s, "queue depth (tasks)", data.title.c_str());
  panel(data.replicas, unit, data.end_s, "replicas (pods)", "");
  plend();
  // plend() has closed `mem` (PLplot closes its output file), which sets buffer and size.
  std::string svg(buffer, size);
  std::free(buffer);
  if (svg.find("</svg>") == std::string::npos) {
    throw std::runtime_error("PLplot produced no SVG");
  }
  return svg;
}

} // namespace

extern "C" graflow::simulate::RenderSvg graflow_plot_svg() { return &render; }
