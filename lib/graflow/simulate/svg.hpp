#pragma once
// `simulate --svg FILE`: depth and replicas over time, drawn by PLplot's SVG driver. PLplot
// and its ~14 libraries live in the graflowctl-plot module, loaded only when --svg is given.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace graflow::simulate {

struct PlotSeries {
  std::string label;     // legend text
  std::vector<double> t; // seconds
  std::vector<double> y;
};

struct PlotData {
  std::string title;
  double end_s = 0;
  std::vector<PlotSeries> depth;    // queue depth (tasks)
  std::vector<PlotSeries> replicas; // replicas (pods)
};

// Renders `data` (implemented by the module; returns the SVG document). Throws on failure.
using RenderSvg = std::string (*)(const PlotData& data);

// Loads the plot module, renders and writes `path` atomically (temp + rename). A failure
// Error naming the path or the module.
void write_svg(const std::filesystem::path& path, const PlotData& data);

} // namespace graflow::simulate

// Exported by the graflowctl-plot module.
extern "C" graflow::simulate::RenderSvg graflow_plot_svg();
