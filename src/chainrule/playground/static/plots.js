// chainrule playground: the output panel: the decision map with the data's points, and the loss
// curves. The maps are computed by the server (the network's forward on a grid); this only paints.
import { $, NEG, PALETTE, POS, WHITE, clamp, el, fmt, hexRGB, mapColour, mix, paintMap, state } from "./util.js";

/** The decision map, one pixel per grid cell; the output unit of the diagram is drawn from it. */
export const decisionCanvas = document.createElement("canvas");
const outCanvas = decisionCanvas;
state.mapCanvas = decisionCanvas; // for the browser tests

function classColour(c) {
  return hexRGB(PALETTE[c % PALETTE.length]);
}

export function drawHeatmap() {
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  const snapshot = state.snapshot;
  const data = state.session && state.session.data;
  const maps = snapshot && snapshot.heatmaps;
  $("no-heatmap").hidden = Boolean(maps);
  canvas.hidden = !maps;
  $("map-controls").hidden = !maps;
  if (!maps) return;
  const out = maps.output;
  paintDecision(out);
  const S = canvas.width;
  ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, S, S);
  ctx.drawImage(outCanvas, 0, 0, S, S);
  const [x0, x1, y0, y1] = maps.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * S;
  const py = (y) => ((y1 - y) / (y1 - y0)) * S;
  const pointColour = (y) => {
    if (data.task !== "regression") return PALETTE[y % PALETTE.length];
    const t = clamp(((y - out.lo) / (out.hi - out.lo || 1)) * 2 - 1, -1, 1);
    const c = t < 0 ? mix(WHITE, NEG, -t) : mix(WHITE, POS, t);
    return `rgb(${c.map(Math.round).join(",")})`;
  };
  const drawPoints = (part, stroke) => {
    const { x, y } = data.points[part];
    ctx.lineWidth = 1;
    ctx.strokeStyle = stroke;
    for (let n = 0; n < x.length; n++) {
      ctx.beginPath();
      ctx.arc(px(x[n][0]), py(x[n][1]), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = pointColour(y[n]);
      ctx.fill();
      ctx.stroke();
    }
  };
  drawPoints("train", "#fff");
  if (state.showTest) drawPoints("test", "#222");
  if (state.selected) {
    const p = data.points.train.x[state.selected.sample];
    if (p) {
      ctx.beginPath();
      ctx.arc(px(p[0]), py(p[1]), 8, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#c2185b";
      ctx.stroke();
    }
  }
  ctx.fillStyle = "rgba(0,0,0,.55)";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(`${fmt(x0, 2)} ≤ ${data.feature_names[0]} ≤ ${fmt(x1, 2)}`, 4, S - 4);
}

/** Paint the decision map into decisionCanvas; discretized: each cell in its side's full colour. */
export function paintDecision(out) {
  const flat = state.discretize;
  if (out.kind === "classes") {
    const shade = (cls, conf) => mix(WHITE, classColour(cls), flat ? 0.6 : 0.15 + 0.6 * (conf / 255));
    paintMap(outCanvas, out.class, shade, out.confidence);
  } else {
    const colour = mapColour(out.kind, out);
    paintMap(outCanvas, out, flat ? (b) => colour(b >= 128 ? 255 : 0) : colour);
  }
}

/** The legend of the maps: what each colour means, with the numbers at its ends. */
export function buildLegend() {
  const box = $("legend");
  const maps = state.snapshot && state.snapshot.heatmaps;
  box.hidden = !maps;
  if (!maps) return;
  const out = maps.output;
  const classes = state.session.data.classes || [];
  const css = (c) => `rgb(${c.map(Math.round).join(",")})`;
  const bar = (colours, labels, title) => {
    const strip = el("div", { class: "legend-bar", role: "img", "aria-label": `${title}: ${labels.join(" … ")}` });
    strip.style.background = `linear-gradient(to right, ${colours.map(css).join(", ")})`;
    return el("div", { class: "legend-row" }, el("span", { class: "legend-title" }, title), strip,
      el("div", { class: "legend-ticks" }, labels.map((t) => el("span", {}, t))));
  };
  const rows = [];
  if (out.kind === "probability") {
    const c0 = mix(WHITE, classColour(0), 0.75);
    const c1 = mix(WHITE, classColour(1), 0.75);
    rows.push(bar([c0, WHITE, c1], [`ŷ = 0 (${classes[0]})`, "0.5", `ŷ = 1 (${classes[1]})`], "output"));
  } else if (out.kind === "value") {
    rows.push(bar([mix(WHITE, NEG, 0.8), WHITE, mix(WHITE, POS, 0.8)], [fmt(out.lo, 3), fmt((out.lo + out.hi) / 2, 3), fmt(out.hi, 3)], "output ŷ"));
  } else {
    const swatches = classes.map((c, n) => el("span", { class: "swatch-item" }, el("span", { class: "swatch", "data-class": String(n) }), String(c)));
    swatches.forEach((s, n) => (s.firstChild.style.background = css(mix(WHITE, classColour(n), 0.6))));
    rows.push(el("div", { class: "legend-row" }, el("span", { class: "legend-title" }, "class"), el("div", { class: "swatches" }, swatches)));
  }
  rows.push(bar([NEG, WHITE, POS], ["−max", "0", "+max"], "units' a"));
  box.replaceChildren(...rows);
}

/** The training point nearest a click on the map (within 12 pixels), or −1. */
export function pickSample(event) {
  const data = state.session && state.session.data;
  const maps = state.snapshot && state.snapshot.heatmaps;
  if (!maps || !data.points) return -1;
  const canvas = $("heatmap");
  const rect = canvas.getBoundingClientRect();
  const S = canvas.width;
  const cx = ((event.clientX - rect.left) / rect.width) * S;
  const cy = ((event.clientY - rect.top) / rect.height) * S;
  const [x0, x1, y0, y1] = maps.extent;
  let best = -1;
  let bestD = 12 * 12;
  data.points.train.x.forEach(([a, b], n) => {
    const dx = ((a - x0) / (x1 - x0)) * S - cx;
    const dy = ((y1 - b) / (y1 - y0)) * S - cy;
    if (dx * dx + dy * dy < bestD) {
      bestD = dx * dx + dy * dy;
      best = n;
    }
  });
  return best;
}

export function drawLoss() {
  const canvas = $("loss-chart");
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  const h = state.snapshot.history;
  ctx.clearRect(0, 0, W, H);
  const values = [...h.train, ...h.test].filter((v) => v !== null && Number.isFinite(v));
  const ymax = values.length ? Math.max(...values) * 1.08 || 1 : 1;
  const xmax = Math.max(1, h.step[h.step.length - 1] || 1);
  const left = 36;
  const bottom = H - 16;
  const X = (s) => left + (s / xmax) * (W - left - 6);
  const Y = (v) => bottom - (v / ymax) * (bottom - 8);
  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, 8);
  ctx.lineTo(left, bottom);
  ctx.lineTo(W - 6, bottom);
  ctx.stroke();
  ctx.fillStyle = "#777";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(fmt(ymax, 2), 2, 14);
  ctx.fillText("0", 24, bottom);
  ctx.fillText(`step ${xmax}`, W - 60, H - 3);
  const line = (series, colour, dash) => {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let started = false;
    series.forEach((v, n) => {
      if (v === null) return;
      if (!started) ctx.moveTo(X(h.step[n]), Y(v));
      else ctx.lineTo(X(h.step[n]), Y(v));
      started = true;
    });
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(h.test, "#999", [4, 3]);
  line(h.train, "#183d4e", []);
  ctx.fillStyle = "#183d4e";
  ctx.fillText("train", W - 90, 14);
  ctx.fillStyle = "#999";
  ctx.fillText("test", W - 50, 14);
}
