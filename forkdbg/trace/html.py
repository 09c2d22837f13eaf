"""`forkdbg trace --html FILE.html`: the timeline as one self-contained page.

The page holds the run's trace events (what `--timeline` writes) and the process tree as
data, and a small script that draws them as SVG: a lane per thread, grouped by process;
a bar per system call (the time asleep inside it shaded), its strace line as hover
text; an arrow from each clone to the new task; exec labels, signal and exit marks.
The wheel zooms around the pointer, dragging pans, a double click resets.  When zoomed
out, calls too short to see are merged into one bar per lane and pixel, so a run of
100,000 calls stays quick to draw.  No network, no external script or font.
`window.forkdbg.zoom(t0, t1)` and `window.forkdbg.view()` are there for scripts (the
tests drive a real browser with them).
"""

from __future__ import annotations

import json

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>forkdbg timeline: __TITLE__</title>
<style>
body { font: 13px sans-serif; margin: 0; display: flex; height: 100vh; }
#side { width: 34%; overflow: auto; border-right: 1px solid #ccc; padding: 6px; }
#side pre { font: 12px monospace; white-space: pre; margin: 0; }
#main { flex: 1; overflow: auto; position: relative; }
#bar { padding: 4px 6px; border-bottom: 1px solid #ccc; font-size: 12px; }
svg { display: block; }
.lane-label { font: 11px monospace; fill: #333; }
.lane-bg { fill: #f7f7f7; }
.slice { fill: #5b8fd6; }
.slice.agg { fill: #9ab7e3; }
.blocked { fill: #b8b8b8; opacity: 0.8; }
.flow { stroke: #d05a2c; stroke-width: 1.2; fill: none; marker-end: url(#arrow); }
.exec { font: 10px monospace; fill: #1b7a35; }
.signal { fill: #c2185b; }
.exit { fill: #222; }
</style></head>
<body>
<div id="side"><b>process tree</b><pre id="tree"></pre></div>
<div id="main"><div id="bar"></div><svg id="chart" xmlns="http://www.w3.org/2000/svg"></svg></div>
<script id="data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("data").textContent);
  document.getElementById("tree").textContent = data.tree;
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("chart");
  const bar = document.getElementById("bar");
  const LANE = 22, LEFT = 170, TOP = 8;
  const names = {}, procs = {}, order = {};
  const slices = [], blocked = [], starts = {}, flows = [], marks = [];
  for (const e of data.events) {
    if (e.ph === "M") {
      if (e.name === "thread_name") names[e.tid] = [e.pid, e.args.name];
      if (e.name === "process_name") procs[e.pid] = e.args.name;
      if (e.name === "process_sort_index") order[e.pid] = e.args.sort_index;
    } else if (e.ph === "X") {
      (e.cat === "blocked" ? blocked : slices).push(e);
    } else if (e.ph === "s") {
      starts[e.id] = e;
    } else if (e.ph === "f") {
      if (starts[e.id]) flows.push([starts[e.id], e]);
    } else if (e.ph === "i") {
      marks.push(e);
    }
  }
  const tids = Object.keys(names).map(Number).sort(function (a, b) {
    const pa = names[a][0], pb = names[b][0];
    return (order[pa] - order[pb]) || (pa - pb) || (a - b);
  });
  const lane = {};
  tids.forEach(function (t, i) { lane[t] = i; });
  let t0 = Infinity, t1 = -Infinity;
  for (const e of data.events) {
    if (e.ph === "M") continue;
    t0 = Math.min(t0, e.ts); t1 = Math.max(t1, e.ts + (e.dur || 0));
  }
  if (!isFinite(t0)) { t0 = 0; t1 = 1; }
  if (t1 <= t0) t1 = t0 + 1;
  let v0 = t0, v1 = t1;
  function width() { return Math.max(200, document.getElementById("main").clientWidth - 4); }
  function x(t, w) { return LEFT + (t - v0) / (v1 - v0) * (w - LEFT - 10); }
  function y(t) { return TOP + lane[t] * LANE; }
  function el(name, attrs, parent, text) {
    const n = document.createElementNS(NS, name);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (text !== undefined) {
      const title = document.createElementNS(NS, "title");
      title.textContent = text;
      n.appendChild(title);
    }
    parent.appendChild(n);
    return n;
  }
  function draw() {
    const w = width(), h = TOP + tids.length * LANE + 20;
    svg.setAttribute("width", w); svg.setAttribute("height", h);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const defs = el("defs", {}, svg);
    const m = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
                            markerWidth: "6", markerHeight: "6", orient: "auto"}, defs);
    el("path", {d: "M0,0 L10,5 L0,10 z", fill: "#d05a2c"}, m);
    for (const t of tids) {
      const g = el("g", {"class": "lane", "data-tid": t}, svg);
      el("rect", {"class": "lane-bg", x: LEFT, y: y(t), width: w - LEFT, height: LANE - 4}, g);
      const label = el("text", {"class": "lane-label", x: 4, y: y(t) + 13}, g);
      label.textContent = names[t][1] + (names[t][0] === t ? "" : " (thread)");
    }
    const agg = {};  // lane -> pixel column -> the calls shorter than a pixel there
    let shown = 0;
    for (const s of slices) {
      if (s.ts + s.dur < v0 || s.ts > v1) continue;
      const a = x(s.ts, w), b = x(s.ts + s.dur, w);
      if (b - a < 1) {
        const col = Math.floor(a), key = s.tid;
        agg[key] = agg[key] || {};
        (agg[key][col] = agg[key][col] || []).push(s);
        continue;
      }
      el("rect", {"class": "slice", "data-ts": s.ts, x: a, y: y(s.tid) + 3, width: b - a,
                  height: LANE - 10}, svg, s.args.call);
      shown++;
    }
    for (const key in agg) {  // alone in its pixel: drawn 1 px wide; else merged
      for (const col in agg[key]) {
        const group = agg[key][col];
        if (group.length === 1) {
          el("rect", {"class": "slice", "data-ts": group[0].ts, x: col, y: y(key) + 3,
                      width: 1, height: LANE - 10}, svg, group[0].args.call);
          shown++;
        } else {
          el("rect", {"class": "slice agg", x: col, y: y(key) + 5, width: 1,
                      height: LANE - 14}, svg, group.length + " calls");
        }
      }
    }
    for (const s of blocked) {  // over the call it is part of: asleep, shaded
      if (s.ts + s.dur < v0 || s.ts > v1) continue;
      const a = x(s.ts, w), b = x(s.ts + s.dur, w);
      if (b - a >= 1) el("rect", {"class": "blocked", x: a, y: y(s.tid), width: b - a,
                                  height: LANE - 4}, svg, s.name);
    }
    for (const f of flows) {
      const a = x(f[0].ts, w), b = x(f[1].ts, w), ya = y(f[0].tid) + 9, yb = y(f[1].tid) + 9;
      el("path", {"class": "flow", d: "M" + a + "," + ya + " C" + (a + 12) + "," + ya + " " +
                  (b - 12) + "," + yb + " " + b + "," + yb}, svg, f[0].args.how);
    }
    for (const e of marks) {
      if (e.ts < v0 || e.ts > v1 || !(e.tid in lane)) continue;
      const a = x(e.ts, w), top = y(e.tid);
      if (e.name.startsWith("exec ")) {
        el("rect", {"class": "exec", x: a - 1, y: top, width: 2, height: LANE - 4}, svg);
        const t = el("text", {"class": "exec", x: a + 3, y: top + LANE - 6}, svg, e.name);
        const argv = (e.args && e.args.argv) || [];
        t.appendChild(document.createTextNode((argv[0] || e.name.slice(5)).split("/").pop()));
      } else if (e.cat === "signal") {
        el("path", {"class": "signal", d: "M" + a + "," + top + " l4,7 l-8,0 z"}, svg, e.name);
      } else {
        el("circle", {"class": "exit", cx: a, cy: top + 9, r: 3}, svg, e.name);
      }
    }
    bar.textContent = tids.length + " threads, " + slices.length + " calls; showing " +
      v0.toFixed(3) + "–" + v1.toFixed(3) + " µs (wheel: zoom, drag: pan, double click: all)";
    return shown;
  }
  function zoom(a, b) { v0 = Math.max(t0, a); v1 = Math.min(t1, b); if (v1 <= v0) v1 = v0 + 1e-3;
                        return draw(); }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    const w = width(), at = v0 + (ev.offsetX - LEFT) / (w - LEFT - 10) * (v1 - v0);
    const k = ev.deltaY > 0 ? 1.25 : 0.8;
    zoom(at - (at - v0) * k, at + (v1 - at) * k);
  });
  let drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = [ev.clientX, v0, v1]; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    const dt = (ev.clientX - drag[0]) / (width() - LEFT - 10) * (drag[2] - drag[1]);
    v0 = drag[1] - dt; v1 = drag[2] - dt; draw();
  });
  svg.addEventListener("dblclick", function () { zoom(t0, t1); });
  window.addEventListener("resize", draw);
  window.forkdbg = {zoom: zoom, view: function () { return [v0, v1, t0, t1]; }};
  draw();
})();
</script></body></html>
"""


def render_html(title: str, timeline_json: str, tree_text: str) -> str:
    """The page for one run: `timeline_json` is what --timeline writes."""
    doc = json.loads(timeline_json)
    data = json.dumps({"events": doc["traceEvents"], "tree": tree_text},
                      separators=(",", ":"))
    data = data.replace("</", "<\\/")  # no text in the data may end the script element
    safe_title = (title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return PAGE.replace("__TITLE__", safe_title).replace("__DATA__", data)
