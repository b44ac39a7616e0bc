// chainrule playground: the network diagram (SVG). Line width ∝ |w|, colour by sign; each hidden
// and output unit shows its heatmap on a canvas of its own. Built once per setup, then updated in
// place: a frame changes an edge's width or sign class only when it changed, and draws each unit's
// map with one putImageData (no images, no data URLs, no new nodes).
//
// Picking: a click or tap is mapped into the diagram's coordinates and given to the edge it is
// nearest, counting the distance to the line plus a quarter of the distance to the line's
// midpoint. The lines are laid out so that midpoints never coincide (each line enters its unit at
// a port of its own, and bends at a point set by its source), so a click on an edge's midpoint
// always selects that edge, whatever is drawn over it.
//
// Keyboard: the diagram is one tab stop; the arrow keys move between its units and edges, each of
// which announces itself and its weight; Enter or Space explains the focused weight.
import { $, PALETTE, actions, el, fmt, hexRGB, mapColour, mix, paintMap, state, sub, sup, svg, WHITE } from "./util.js";
import { decisionCanvas } from "./plots.js";

export const edges = new Map(); // "W1[1,1]" → {edge, k, i, j, pts, mid, width, sign}
export const nodes = new Map(); // "k,u" → {group, canvas}
let items = []; // what the arrow keys move through: {kind: "unit"|"edge", key, node}
const VIEW_W = 680;
const SAMPLES = 16; // segments of the polyline each curve is measured by when picking

function unitName(k, u, L) {
  if (k === 0) return "x" + sub(u);
  if (k === L) return state.session.network.sizes[L] === 1 ? "ŷ" : "ŷ" + sub(u);
  return "h" + sub(u) + sup(k);
}

function bezier(P, t) {
  const s = 1 - t;
  const a = s * s * s, b = 3 * s * s * t, c = 3 * s * t * t, d = t * t * t;
  return [a * P[0][0] + b * P[1][0] + c * P[2][0] + d * P[3][0], a * P[0][1] + b * P[1][1] + c * P[2][1] + d * P[3][1]];
}

function geometry(sizes, names) {
  const L = sizes.length - 1;
  const longest = Math.min(20, Math.max(...names.map((n) => n.length), 2));
  const left = 30 + 6.2 * longest; // room for the inputs' names, left of their boxes
  const pitch = 46;
  const box = 34;
  const top = 16;
  const rows = sizes.map((n, k) => n + (k < L ? 1 : 0)); // units and the bias
  const M = Math.max(...rows);
  return {
    L, box, left, rows,
    H: top * 2 + M * pitch + 14,
    x: (k) => left + (k * (VIEW_W - left - 50)) / L,
    y: (k, u) => top + pitch / 2 + (u - 1) * pitch + ((M - rows[k]) * pitch) / 2,
  };
}

function edgeCurve(g, sizes, k, i, j) {
  const nin = sizes[k - 1] + 1;
  const bias = i === nin;
  const off = i - (nin + 1) / 2; // this source's port on the target, and its bend
  const port = Math.min(8, (g.box - 6) / Math.max(nin - 1, 1));
  const x0 = g.x(k - 1) + (bias ? 10 : g.box / 2);
  const x1 = g.x(k) - g.box / 2;
  const y0 = g.y(k - 1, i);
  const y1 = g.y(k, j) + port * off;
  const h = (x1 - x0) / 2;
  const P = [[x0, y0], [x0 + h + 8 * off, y0], [x1 - h + 8 * off, y1], [x1, y1]];
  const pts = Array.from({ length: SAMPLES + 1 }, (_, n) => bezier(P, n / SAMPLES));
  return { d: `M${x0},${y0} C${P[1]} ${P[2]} ${x1},${y1}`, pts, mid: pts[SAMPLES / 2] };
}

export function buildDiagram() {
  const net = state.session.network;
  const sizes = net.sizes;
  const names = state.session.data.feature_names;
  const g = geometry(sizes, names);
  const { L, box, x, y } = g;
  const diagram = $("diagram");
  diagram.replaceChildren();
  diagram.setAttribute("viewBox", `0 0 ${VIEW_W} ${g.H}`);
  edges.clear();
  nodes.clear();
  items = [];
  const edgeLayer = svg("g", { class: "edges" });
  const nodeLayer = svg("g", { class: "nodes" });
  diagram.append(edgeLayer, nodeLayer);
  for (let k = 1; k <= L; k++) {
    for (let i = 1; i <= sizes[k - 1] + 1; i++) {
      for (let j = 1; j <= sizes[k]; j++) {
        const name = `W${k}[${i},${j}]`;
        const c = edgeCurve(g, sizes, k, i, j);
        const from = i === sizes[k - 1] + 1 ? `the bias of layer ${k - 1}` : unitName(k - 1, i, L);
        const edge = svg("path", { d: c.d, class: "edge", "data-weight": name, tabindex: "-1", role: "button" });
        edge.dataset.label = `weight ${name}, from ${from} to ${unitName(k, j, L)}`;
        edge.setAttribute("aria-label", edge.dataset.label);
        edgeLayer.append(edge);
        edges.set(name, { edge, k, i, j, pts: c.pts, mid: c.mid, width: null, sign: null });
      }
    }
  }
  for (let k = 0; k <= L; k++) {
    for (let u = 1; u <= sizes[k]; u++) buildUnit(nodeLayer, g, k, u, names);
    if (k < L) {
      const cy = y(k, sizes[k] + 1);
      const group = svg("g", { class: "node bias", "data-unit": `${k},${sizes[k] + 1}` });
      group.append(svg("circle", { cx: x(k), cy, r: 10 }), Object.assign(svg("text", { x: x(k), y: cy }), { textContent: "1" }));
      nodeLayer.append(group);
    }
    const caption = k === 0 ? "input" : k === L ? `output · ${net.activations[k - 1]}` : `layer ${k} · ${net.activations[k - 1]}`;
    nodeLayer.append(Object.assign(svg("text", { x: x(k), y: g.H - 4, class: "node-label" }), { textContent: caption }));
  }
  for (const [key, e] of edges) items.push({ kind: "edge", key, node: e.edge });
  items.sort((a, b) => order(a) - order(b));
  items[0].node.setAttribute("tabindex", "0");
  buildLayerControls(sizes, x);
}

function order(item) {
  // units of a layer, then the edges out of it, layer by layer
  if (item.kind === "unit") {
    const [k, u] = item.key.split(",").map(Number);
    return k * 1e6 + u;
  }
  const e = edges.get(item.key);
  return (e.k - 1) * 1e6 + 5e5 + e.i * 1000 + e.j;
}

function buildUnit(layer, g, k, u, names) {
  const { L, box, x, y } = g;
  const cx = x(k);
  const cy = y(k, u);
  const group = svg("g", { class: "node", "data-unit": `${k},${u}`, tabindex: "-1", role: "img" });
  group.append(svg("rect", { x: cx - box / 2, y: cy - box / 2, width: box, height: box, rx: 3 }));
  let canvas = null;
  if (k > 0) {
    const fo = svg("foreignObject", { x: cx - box / 2 + 1, y: cy - box / 2 + 1, width: box - 2, height: box - 2 });
    canvas = el("canvas", { class: "unit-map", width: "20", height: "20", "aria-hidden": "true" });
    fo.append(canvas);
    group.append(fo);
  } else {
    const full = names[u - 1] || "x" + u;
    const shown = full.length > 20 ? full.slice(0, 19) + "…" : full;
    group.append(Object.assign(svg("text", { x: cx, y: cy }), { textContent: unitName(0, u, L) }));
    group.append(Object.assign(svg("text", { x: cx - box / 2 - 5, y: cy, class: "input-name" }), { textContent: shown }));
    group.append(Object.assign(svg("title"), { textContent: full }));
  }
  const what = k === 0 ? `input ${unitName(0, u, L)}: ${names[u - 1]}` : `${unitName(k, u, L)}, layer ${k} unit ${u}, ${state.session.network.activations[k - 1]}`;
  group.dataset.label = what;
  group.setAttribute("aria-label", what);
  layer.append(group);
  nodes.set(`${k},${u}`, { group, canvas });
  items.push({ kind: "unit", key: `${k},${u}`, node: group });
}

function buildLayerControls(sizes, x) {
  const box = $("layer-controls");
  box.replaceChildren();
  const hidden = state.config.hidden;
  hidden.forEach((n, h) => {
    const k = h + 1;
    const limits = state.options.limits.units;
    const setUnits = (m) => {
      const next = [...hidden];
      next[h] = m;
      actions.change({ hidden: next });
    };
    const plus = el("button", { type: "button", title: `Add a unit to layer ${k}`, "aria-label": `add a unit to layer ${k}`, "data-layer": k, class: "add-unit", onclick: () => setUnits(n + 1) }, "+");
    const minus = el("button", { type: "button", title: `Remove a unit from layer ${k}`, "aria-label": `remove a unit from layer ${k}`, "data-layer": k, class: "remove-unit", onclick: () => setUnits(n - 1) }, "−");
    plus.disabled = n >= limits[1];
    minus.disabled = n <= limits[0];
    const control = el("div", { class: "layer-control" }, el("div", {}, plus, " ", minus), el("div", { text: `${n} unit${n === 1 ? "" : "s"}` }));
    control.style.left = `${(100 * x(k)) / VIEW_W}%`;
    box.append(control);
  });
}

// -- each frame ------------------------------------------------------------------------------------
export function weightOf(name) {
  const e = edges.get(name);
  return e ? state.snapshot.weights[e.k - 1][e.i - 1][e.j - 1] : null;
}

/** Describe a unit or an edge for a screen reader, with its current weight(s). */
function announce(item) {
  if (item.kind === "edge") return `${item.node.dataset.label}: ${fmt(weightOf(item.key))}. Enter explains it.`;
  const [k, u] = item.key.split(",").map(Number);
  if (k === 0) return item.node.dataset.label;
  const bias = `W${k}[${state.session.network.sizes[k - 1] + 1},${u}]`;
  return `${item.node.dataset.label}; its bias weight ${bias} = ${fmt(weightOf(bias))}`;
}

export function updateDiagram(snapshot) {
  const W = snapshot.weights;
  let maxAbs = 0;
  for (const layer of W) for (const row of layer) for (const w of row) if (w !== null) maxAbs = Math.max(maxAbs, Math.abs(w));
  for (const e of edges.values()) {
    const w = W[e.k - 1][e.i - 1][e.j - 1];
    const width = w === null || maxAbs === 0 ? 0.5 : Math.max(0.5, Math.round((32 * Math.abs(w)) / maxAbs) / 4); // ∝ |w|, in quarter units
    if (width !== e.width) {
      e.edge.setAttribute("stroke-width", String(width));
      e.width = width;
    }
    const sign = w === null ? "nan" : w >= 0 ? "pos" : "neg";
    if (sign !== e.sign) {
      if (e.sign) e.edge.classList.remove(e.sign);
      e.edge.classList.add(sign);
      e.sign = sign;
    }
  }
  const maxText = fmt(maxAbs, 3);
  if ($("max-w").textContent !== maxText) $("max-w").textContent = maxText;
  if (state.focused) state.focused.node.setAttribute("aria-label", announce(state.focused));
  const maps = snapshot.heatmaps;
  if (maps) paintUnits(maps);
}

function paintUnits(maps) {
  const L = maps.units.length;
  const out = maps.output;
  maps.units.forEach((layer, k) =>
    layer.forEach((map, j) => {
      const node = nodes.get(`${k + 1},${j + 1}`);
      if (!node || !node.canvas) return;
      if (k + 1 === L && layer.length === 1 && out.kind !== "classes") {
        // the output ŷ: the decision map itself, scaled down, so the colours always agree
        const ctx = node.canvas.getContext("2d");
        ctx.drawImage(decisionCanvas, 0, 0, node.canvas.width, node.canvas.height);
      } else if (k + 1 === L && out.kind === "classes") {
        const c = hexRGB(PALETTE[j % PALETTE.length]); // ŷⱼ: how sure of class j, in j's colour
        paintMap(node.canvas, map, (b) => mix(WHITE, c, (b / 255) * 0.85));
      } else {
        paintMap(node.canvas, map, mapColour("signed", map));
      }
    })
  );
}

export function highlightPath(ex) {
  const diagram = $("diagram");
  diagram.classList.toggle("has-path", Boolean(ex));
  for (const e of edges.values()) e.edge.classList.remove("on-path", "selected");
  for (const n of nodes.values()) n.group.classList.remove("on-path");
  if (!ex) return;
  const sizes = state.session.network.sizes;
  const L = sizes.length - 1;
  const { layer: k, row: i, column: j, name } = ex.weight;
  const mark = (key) => edges.has(key) && edges.get(key).edge.classList.add("on-path");
  const markNode = (l, u) => nodes.has(`${l},${u}`) && nodes.get(`${l},${u}`).group.classList.add("on-path");
  if (edges.has(name)) edges.get(name).edge.classList.add("selected", "on-path");
  markNode(k - 1, i);
  markNode(k, j);
  if (ex.paths.listed) {
    for (const path of ex.paths.items) {
      path.units.forEach(([l, u], n) => {
        markNode(l, u);
        if (n > 0) mark(`W${l}[${path.units[n - 1][1]},${u}]`);
      });
    }
  } else {
    let from = [j]; // too many paths to list: they are every path from unit j of layer k forward
    for (let l = k + 1; l <= L; l++) {
      const to = Array.from({ length: sizes[l] }, (_, n) => n + 1);
      for (const a of from) for (const b of to) mark(`W${l}[${a},${b}]`);
      to.forEach((u) => markNode(l, u));
      from = to;
    }
  }
}

// -- picking and the keyboard ----------------------------------------------------------------------
function distance(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** The weight an event at (clientX, clientY) points at, or null (more than 12 px from any line). */
export function pickEdge(clientX, clientY) {
  const diagram = $("diagram");
  const m = diagram.getScreenCTM();
  if (!m) return null;
  const p = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
  const scale = Math.hypot(m.a, m.b) || 1; // screen pixels per diagram unit
  let best = null;
  let bestScore = Infinity;
  for (const [name, e] of edges) {
    let d = Infinity;
    for (let n = 0; n < SAMPLES; n++) d = Math.min(d, distance([p.x, p.y], e.pts[n], e.pts[n + 1]));
    if (d * scale > 12) continue;
    const score = d + 0.25 * Math.hypot(p.x - e.mid[0], p.y - e.mid[1]);
    if (score < bestScore) {
      bestScore = score;
      best = name;
    }
  }
  return best;
}

/** Where an edge's midpoint is on the screen: {x, y} (for tests and the documentation). */
export function edgeMidpoint(name) {
  const m = $("diagram").getScreenCTM();
  const mid = edges.get(name).mid;
  const p = new DOMPoint(mid[0], mid[1]).matrixTransform(m);
  return { x: p.x, y: p.y };
}

function focusItem(index) {
  const n = (index + items.length) % items.length;
  for (const it of items) if (it.node.getAttribute("tabindex") === "0") it.node.setAttribute("tabindex", "-1");
  const item = items[n];
  item.node.setAttribute("tabindex", "0");
  state.focused = item;
  item.node.setAttribute("aria-label", announce(item));
  item.node.focus();
  $("diagram-status").textContent = announce(item);
}

export function wireDiagram() {
  const diagram = $("diagram");
  diagram.addEventListener("click", (event) => {
    const name = pickEdge(event.clientX, event.clientY);
    if (name) actions.selectWeight(name);
  });
  diagram.addEventListener("pointermove", (event) => {
    if (event.pointerType !== "mouse" || edges.size > 400) return; // hover: small nets only
    const name = pickEdge(event.clientX, event.clientY);
    for (const e of diagram.querySelectorAll(".edge.hover")) e.classList.remove("hover");
    if (name) edges.get(name).edge.classList.add("hover");
    diagram.style.cursor = name ? "pointer" : "default";
  });
  diagram.addEventListener("focusin", (event) => {
    const n = items.findIndex((it) => it.node === event.target);
    if (n >= 0 && state.focused !== items[n]) focusItem(n);
  });
  diagram.addEventListener("keydown", (event) => {
    const n = items.findIndex((it) => it === state.focused);
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -n, End: items.length - 1 - n };
    if (event.key in moves) {
      event.preventDefault();
      focusItem(Math.max(n, 0) + moves[event.key]);
    } else if ((event.key === "Enter" || event.key === " ") && state.focused && state.focused.kind === "edge") {
      event.preventDefault();
      actions.selectWeight(state.focused.key);
    }
  });
}
