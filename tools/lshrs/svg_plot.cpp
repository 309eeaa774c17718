// lshrs CLI — hand-written SVG line charts (see svg_plot.hpp).
#include "svg_plot.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "lshrs/error.hpp"

namespace lshrs::cli {
namespace {

constexpr double kWidth = 860, kHeight = 540;
constexpr double kLeft = 70, kRight = 250, kTop = 70, kBottom = 60;  // margins around the plot area
constexpr std::array<const char*, 10> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                  "#bcbd22", "#17becf"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Frame {
  const LinePlot& p;
  double w = kWidth - kLeft - kRight, h = kHeight - kTop - kBottom;
  double x(double v) const { return kLeft + (v - p.x_min) / (p.x_max - p.x_min) * w; }
  double y(double v) const { return kTop + (1 - (v - p.y_min) / (p.y_max - p.y_min)) * h; }
};

void axes(std::string& s, const Frame& f) {
  const LinePlot& p = f.p;
  for (int i = 0; i <= 10; ++i) {  // grid, ticks and tick labels every tenth
    const double vx = p.x_min + (p.x_max - p.x_min) * i / 10,
                 vy = p.y_min + (p.y_max - p.y_min) * i / 10;
    s += fmt::format(
        R"svg(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#e5e5e5"/>)svg"
        R"svg(<text x="{0:.1f}" y="{3:.1f}" text-anchor="middle" font-size="12">{4:g}</text>)svg"
        "\n",
        f.x(vx), kTop, kTop + f.h, kTop + f.h + 18, vx);
    s += fmt::format(
        R"svg(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="#e5e5e5"/>)svg"
        R"svg(<text x="{3:.1f}" y="{4:.1f}" text-anchor="end" font-size="12">{5:g}</text>)svg"
        "\n",
        kLeft, f.y(vy), kLeft + f.w, kLeft - 8, f.y(vy) + 4, vy);
  }
  s += fmt::format(
      R"svg(<rect x="{}" y="{}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#333"/>)svg"
      "\n",
      kLeft, kTop, f.w, f.h);
  s += fmt::format(
      R"svg(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="14">{}</text>)svg"
      "\n",
      kLeft + f.w / 2, kHeight - 18, escape(p.x_label));
  s += fmt::format(
      R"svg(<text transform="translate(20,{:.1f}) rotate(-90)" text-anchor="middle" font-size="14">{}</text>)svg"
      "\n",
      kTop + f.h / 2, escape(p.y_label));
  s += fmt::format(R"svg(<text x="{}" y="28" font-size="18" font-weight="bold">{}</text>)svg"
                   "\n",
                   kLeft, escape(p.title));
  s += fmt::format(R"svg(<text x="{}" y="50" font-size="13" fill="#555">{}</text>)svg"
                   "\n",
                   kLeft, escape(p.subtitle));
}

// Curve i's stroke: a palette colour; dashed once the palette repeats.
std::string stroke(std::size_t i, bool highlight) {
  return fmt::format(R"svg(stroke="{}" stroke-width="{}"{})svg", kPalette[i % kPalette.size()],
                     highlight ? 3.5 : 1.6,
                     i >= kPalette.size() ? R"svg( stroke-dasharray="7,3")svg" : "");
}

void curve(std::string& s, const Frame& f, const PlotCurve& c, std::size_t i) {
  std::string path;
  for (const auto& [vx, vy] : c.points) {
    path += fmt::format("{}{:.2f},{:.2f}", path.empty() ? "M" : " L", f.x(vx), f.y(vy));
  }
  s += fmt::format(R"svg(<path d="{}" fill="none" {}/>)svg"
                   "\n",
                   path, stroke(i, c.highlight));
}

void legend(std::string& s, const Frame& f) {
  const double x0 = kLeft + f.w + 20;
  double y0 = kTop + 10;
  for (std::size_t i = 0; i < f.p.curves.size(); ++i, y0 += 22) {
    const PlotCurve& c = f.p.curves[i];
    s += fmt::format(
        R"svg(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" {3}/>)svg"
        R"svg(<text x="{4:.1f}" y="{5:.1f}" font-size="12"{6}>{7}</text>)svg"
        "\n",
        x0, y0, x0 + 26, stroke(i, c.highlight), x0 + 32, y0 + 4,
        c.highlight ? R"svg( font-weight="bold")svg" : "", escape(c.label));
  }
}

}  // namespace

std::string render_svg(const LinePlot& plot) {
  const Frame f{plot};
  std::string s = fmt::format(
      R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="sans-serif">)svg"
      "\n"
      R"svg(<rect width="100%" height="100%" fill="white"/>)svg"
      "\n",
      kWidth, kHeight);
  axes(s, f);
  for (const PlotMarker& m : plot.markers) {
    s += fmt::format(
        R"svg(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2:.1f}" stroke="#444" stroke-dasharray="6,4"/>)svg"
        R"svg(<text x="{3:.1f}" y="{4:.1f}" font-size="12" fill="#444">{5}</text>)svg"
        "\n",
        f.x(m.x), kTop, kTop + f.h, f.x(m.x) + 4, kTop + 14, escape(m.label));
  }
  for (int pass = 0; pass < 2; ++pass) {  // the highlighted curve last, on top
    for (std::size_t i = 0; i < plot.curves.size(); ++i) {
      if (plot.curves[i].highlight == (pass == 1))
        curve(s, f, plot.curves[i], i);
    }
  }
  legend(s, f);
  s += "</svg>\n";
  return s;
}

void write_svg(const std::filesystem::path& path, const LinePlot& plot) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw SourceError(path.string(),
                      std::string("cannot write the plot (") + std::strerror(errno) + ")");
  out << render_svg(plot);
  if (!out.flush()) throw SourceError(path.string(), "write failed");
}

}  // namespace lshrs::cli
