// chainrule playground: helpers shared by the page's modules (formatting, DOM, colours, the API,
// heatmaps). Plain JavaScript modules: no build step, nothing fetched from elsewhere.

export const $ = (id) => document.getElementById(id);
export const SVG_NS = "http://www.w3.org/2000/svg";
export const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
export const POS = hexRGB("#f59322");
export const NEG = hexRGB("#0877bd");
export const WHITE = [255, 255, 255];

export function hexRGB(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
export function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const SUB = "₀₁₂₃₄₅₆₇₈₉";
const SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
export const sub = (n) => String(n).split("").map((d) => SUB[+d]).join("");
export const sup = (n) => "⁽" + String(n).split("").map((d) => SUP[+d]).join("") + "⁾";

export function fmt(v, digits = 6) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v; // "Infinity", "NaN" from the explainer's JSON
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1);
  return s.replaceAll("-", "\u2212"); // every minus (the exponent's too): a minus never breaks a line
}
export const vec = (values) => (values.length === 1 ? fmt(values[0]) : "(" + values.map((v) => fmt(v)).join(", ") + ")");

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
export function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** A JSON API call; a 4xx/5xx answer throws an Error with the server's message (and .field,
 * .status); a server that cannot be reached throws one that says so in plain words. */
export async function api(method, path, body, contentType = "application/json") {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = contentType;
    init.body = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (_) {
    const err = new Error("The playground server cannot be reached: is `chainrule playground` still running? Start it again, then reload this page.");
    err.status = 0;
    throw err;
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = { error: text };
  }
  if (!response.ok) {
    const err = new Error((data && data.error) || `${response.status} ${response.statusText}`);
    err.status = response.status;
    err.field = data && data.field;
    throw err;
  }
  return data;
}

export function decode(map) {
  const raw = atob(map.data);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** The colour of a map's byte b (0..255 over [lo, hi]) for a unit or output of this kind:
 * "probability" (ŷ of class 1: class 0's colour → class 1's), "value" (a regression's ŷ, its
 * range's middle white) or "signed" (a hidden unit's a, 0 white, ±max orange/blue). The output
 * node and the decision map share these, so their colours always agree. */
export function mapColour(kind, map) {
  if (kind === "probability") {
    const c0 = hexRGB(PALETTE[0]);
    const c1 = hexRGB(PALETTE[1]);
    return (b) => {
      const t = (b / 255) * 2 - 1;
      return t < 0 ? mix(WHITE, c0, -t * 0.75) : mix(WHITE, c1, t * 0.75);
    };
  }
  if (kind === "value") {
    return (b) => {
      const t = (b / 255) * 2 - 1;
      return t < 0 ? mix(WHITE, NEG, -t * 0.8) : mix(WHITE, POS, t * 0.8);
    };
  }
  const m = Math.max(Math.abs(map.lo), Math.abs(map.hi)) || 1;
  return (b) => {
    const t = clamp((map.lo + (b / 255) * (map.hi - map.lo)) / m, -1, 1);
    return t >= 0 ? mix(WHITE, POS, t) : mix(WHITE, NEG, -t);
  };
}

/** Draw a heatmap (base64 bytes, see docs/playground.md) into ``canvas``, one pixel per cell:
 * one putImageData, no DOM change (the canvas keeps its size once set). */
export function paintMap(canvas, map, colour, extra) {
  const n = map.size;
  if (canvas.width !== n) canvas.width = n;
  if (canvas.height !== n) canvas.height = n;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  const bytes = decode(map);
  const second = extra ? decode(extra) : null;
  for (let p = 0; p < n * n; p++) {
    const c = colour(bytes[p], second ? second[p] : 0);
    img.data[4 * p] = c[0];
    img.data[4 * p + 1] = c[1];
    img.data[4 * p + 2] = c[2];
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** The page's state, shared by its modules (also window.playground, for scripting and tests). */
export const state = {
  options: null,
  session: null, // the server's State: id, config, data, network, snapshot
  config: null,
  snapshot: null,
  playing: false,
  looping: false, // a play loop is running (it may still be drawing its last request)
  busy: false,
  selected: null, // {weight: "W1[1,1]", sample: 0}
  explanation: null,
  stepsPerUpdate: 10,
  showTest: false,
  updates: 0, // snapshots received while playing (each k training steps), since the page loaded
  frames: 0, // frames drawn, since the page loaded
  updateTimes: [],
  rate: 0, // updates per second over the last two seconds; 0 once paused
  upload: null, // the summary of the uploaded CSV
  uploadFile: null, // its bytes, to read it again with another target column
  discretize: false, // the decision map in two colours (class 1 where ŷ ≥ 0.5)
  focused: null, // the weight (edge) or unit that has keyboard focus in the diagram
};

/** What the modules call back into app.js for (set there): change the setup, select a weight. */
export const actions = { change: null, selectWeight: null };
