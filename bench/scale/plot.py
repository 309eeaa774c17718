"""Recall against queries/s as SVG, the ann-benchmarks convention (recall on
x, queries/s on a log y axis, up and right is better), from the JSON that
bench/scale/run.py writes: one plot per data set, lshrs' rows next to the
peers' of the same run.

    /usr/bin/python3 bench/scale/plot.py RESULTS.json OUT_PREFIX

writes OUT_PREFIX-<n>.svg for each data set (n: 0, 1, ...) and prints their
names. Plain SVG written by hand: no plotting library is needed.
"""
import json
import math
import sys
from xml.sax.saxutils import escape

W, H, LEFT, RIGHT, TOP, BOTTOM = 720, 440, 70, 230, 40, 50
COLOURS = {"lshrs": "#d62728", "hnswlib": "#1f77b4", "FAISS": "#2ca02c", "brute": "#7f7f7f"}


def family(method):
    for key in COLOURS:
        if method.startswith(key):
            return key
    return "brute"


def series(rows):
    """Points grouped by method family (peers' parameter sweeps become lines)."""
    groups = {}
    for r in rows:
        if r.get("recall") is None or not r.get("queries_per_second"):
            continue
        name = r["method"]
        key = name.split(" ef=")[0].split(" nprobe=")[0] if family(name) != "lshrs" else name
        groups.setdefault(key, []).append((r["recall"], r["queries_per_second"], name))
    return {k: sorted(v) for k, v in groups.items()}


def plot(result):
    groups = series(result["rows"])
    points = [p for g in groups.values() for p in g]
    x0 = min(0.9, math.floor(min(p[0] for p in points) * 10) / 10)
    x1 = 1.0
    y0 = 10 ** math.floor(math.log10(min(p[1] for p in points)))
    y1 = 10 ** math.ceil(math.log10(max(p[1] for p in points)))
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(x):
        return LEFT + (x - x0) / (x1 - x0) * pw

    def sy(y):
        return TOP + ph - (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14">{escape(result["data"])}: {result["n"]:,} vectors, '
           f'{result["queries"]:,} queries, one thread</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="black"/>']
    x = x0
    step = 0.02 if x1 - x0 <= 0.2 else 0.1
    while x <= x1 + 1e-9:
        out.append(f'<line x1="{sx(x):.1f}" y1="{TOP}" x2="{sx(x):.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{sx(x):.1f}" y="{TOP + ph + 16}" text-anchor="middle">{x:.2f}</text>')
        x += step
    y = y0
    while y <= y1 * 1.0001:
        out.append(f'<line x1="{LEFT}" y1="{sy(y):.1f}" x2="{LEFT + pw}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:,.0f}</text>')
        y *= 10
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 12}" text-anchor="middle">recall@10 (by similarity)</text>')
    out.append(f'<text x="16" y="{TOP + ph / 2}" transform="rotate(-90 16 {TOP + ph / 2})" '
               f'text-anchor="middle">queries/s (log)</text>')
    legend_y = TOP
    for key, pts in groups.items():
        colour = COLOURS[family(key)]
        path = " ".join(f"{sx(r):.1f},{sy(q):.1f}" for r, q, _ in pts)
        if len(pts) > 1:
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        for r, q, name in pts:
            shape = "rect" if family(key) == "lshrs" else "circle"
            if shape == "rect":
                out.append(f'<rect x="{sx(r) - 4:.1f}" y="{sy(q) - 4:.1f}" width="8" height="8" fill="{colour}">'
                           f'<title>{escape(name)}: {r:.3f}, {q:,.0f} q/s</title></rect>')
            else:
                out.append(f'<circle cx="{sx(r):.1f}" cy="{sy(q):.1f}" r="3.5" fill="{colour}">'
                           f'<title>{escape(name)}: {r:.3f}, {q:,.0f} q/s</title></circle>')
        label = key if len(key) <= 34 else key[:33] + "…"
        out.append(f'<text x="{LEFT + pw + 10}" y="{legend_y + 12}" fill="{colour}">{escape(label)}</text>')
        legend_y += 18
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        results = json.load(f)["results"]
    for i, result in enumerate(results):
        path = f"{sys.argv[2]}-{i}.svg"
        with open(path, "w", encoding="utf-8") as f:
            f.write(plot(result))
        print(path)


if __name__ == "__main__":
    main()
