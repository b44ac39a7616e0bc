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
  return s.replace("-", "−");
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

/** A JSON API call; a 4xx/5xx answer throws an Error with the server's message (and .field). */
export async function api(method, path, body, contentType = "application/json") {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = contentType;
    init.body = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  const response = await fetch(path, init);
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

/** Draw a heatmap (base64 bytes, see docs/playground.md) into ``canvas``, one pixel per cell. */
export function paintMap(canvas, map, colour, extra) {
  const n = map.size;
  canvas.width = n;
  canvas.height = n;
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
  updates: 0, // snapshots drawn while playing, since the page loaded
  updateTimes: [],
  rate: 0,
  upload: null, // the summary of the uploaded CSV
};

/** What the modules call back into app.js for (set there): change the setup, select a weight. */
export const actions = { change: null, selectWeight: null };
