// lshrs CLI — a small line chart written as SVG by hand (no dependency), used
// by `lshrs tune --plot` for the S-curves of candidate (bands, rows) configs.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace lshrs::cli {

struct PlotCurve {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y), x increasing
  bool highlight = false;                         // drawn thicker, on top
};

struct PlotMarker {  // a dashed vertical line
  double x = 0;
  std::string label;
};

struct LinePlot {
  std::string title, subtitle, x_label, y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<PlotCurve> curves;
  std::vector<PlotMarker> markers;
};

std::string render_svg(const LinePlot& plot);
// Writes render_svg(plot); SourceError naming the file when it cannot.
void write_svg(const std::filesystem::path& path, const LinePlot& plot);

}  // namespace lshrs::cli
