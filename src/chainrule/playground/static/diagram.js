// chainrule playground: the network diagram (SVG). Line width ∝ |w|, colour by sign; each hidden
// and output unit shows its heatmap; a click on a line selects that weight.
import { $, NEG, POS, WHITE, actions, clamp, el, fmt, mix, paintMap, state, sub, sup, svg } from "./util.js";

export const edges = new Map(); // "W1[1,1]" → {edge, hit, title, k, i, j}
export const nodes = new Map(); // "k,u" → {group, image}
const VIEW_W = 680;

function unitName(k, u, L) {
  if (k === 0) return "x" + sub(u);
  if (k === L) return state.session.network.sizes[L] === 1 ? "ŷ" : "ŷ" + sub(u);
  return "h" + sub(u) + sup(k);
}

export function buildDiagram() {
  const net = state.session.network;
  const sizes = net.sizes;
  const L = sizes.length - 1;
  const names = state.session.data.feature_names;
  const pitch = 46;
  const box = 34;
  const top = 16;
  const rows = sizes.map((n, k) => n + (k < L ? 1 : 0)); // units and the bias
  const H = top * 2 + Math.max(...rows) * pitch + 14;
  const x = (k) => 60 + (k * (VIEW_W - 120)) / L;
  const y = (k, u) => top + pitch / 2 + (u - 1) * pitch + ((Math.max(...rows) - rows[k]) * pitch) / 2;
  const diagram = $("diagram");
  diagram.replaceChildren();
  diagram.setAttribute("viewBox", `0 0 ${VIEW_W} ${H}`);
  edges.clear();
  nodes.clear();
  const edgeLayer = svg("g", { class: "edges" });
  const nodeLayer = svg("g", { class: "nodes" });
  diagram.append(edgeLayer, nodeLayer);
  for (let k = 1; k <= L; k++) {
    for (let i = 1; i <= sizes[k - 1] + 1; i++) {
      for (let j = 1; j <= sizes[k]; j++) {
        const bias = i === sizes[k - 1] + 1;
        const x0 = x(k - 1) + (bias ? 10 : box / 2);
        const x1 = x(k) - box / 2;
        const y0 = y(k - 1, i);
        const y1 = y(k, j);
        const xm = (x0 + x1) / 2;
        const d = `M${x0},${y0} C${xm},${y0} ${xm},${y1} ${x1},${y1}`;
        const name = `W${k}[${i},${j}]`;
        const hit = svg("path", { d, class: "hit", "data-weight": name });
        const title = svg("title");
        hit.append(title);
        const edge = svg("path", { d, class: "edge", "data-weight": name });
        hit.addEventListener("click", () => actions.selectWeight(name));
        hit.addEventListener("mouseenter", () => edge.classList.add("hover"));
        hit.addEventListener("mouseleave", () => edge.classList.remove("hover"));
        edgeLayer.append(hit, edge);
        edges.set(name, { edge, hit, title, k, i, j });
      }
    }
  }
  for (let k = 0; k <= L; k++) {
    for (let u = 1; u <= sizes[k]; u++) {
      const g = svg("g", { class: "node", "data-unit": `${k},${u}` });
      g.append(svg("rect", { x: x(k) - box / 2, y: y(k, u) - box / 2, width: box, height: box, rx: 3 }));
      let image = null;
      if (k > 0) {
        image = svg("image", { x: x(k) - box / 2 + 1, y: y(k, u) - box / 2 + 1, width: box - 2, height: box - 2, preserveAspectRatio: "none" });
        g.append(image);
      }
      const label = k === 0 ? (names[u - 1] || "x" + u).slice(0, 6) : "";
      if (label) g.append(Object.assign(svg("text", { x: x(k), y: y(k, u) }), { textContent: label }));
      const title = svg("title");
      title.textContent = k === 0 ? `${unitName(0, u, L)}: ${names[u - 1]}` : `${unitName(k, u, L)} (layer ${k}, unit ${u}, ${net.activations[k - 1]})`;
      g.append(title);
      nodeLayer.append(g);
      nodes.set(`${k},${u}`, { group: g, image });
    }
    if (k < L) {
      const g = svg("g", { class: "node bias", "data-unit": `${k},${sizes[k] + 1}` });
      const cy = y(k, sizes[k] + 1);
      g.append(svg("circle", { cx: x(k), cy, r: 10 }));
      g.append(Object.assign(svg("text", { x: x(k), y: cy }), { textContent: "1" }));
      g.append(Object.assign(svg("title"), { textContent: `bias unit of layer ${k}: its weights are the last row of W${k + 1}` }));
      nodeLayer.append(g);
      nodes.set(`${k},${sizes[k] + 1}`, { group: g, image: null });
    }
    const caption = k === 0 ? "input" : k === L ? `output · ${net.activations[k - 1]}` : `layer ${k} · ${net.activations[k - 1]}`;
    nodeLayer.append(Object.assign(svg("text", { x: x(k), y: H - 4, class: "node-label" }), { textContent: caption }));
  }
  buildLayerControls(sizes, x);
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
    const plus = el("button", { type: "button", title: `Add a unit to layer ${k}`, "data-layer": k, class: "add-unit", onclick: () => setUnits(n + 1) }, "+");
    const minus = el("button", { type: "button", title: `Remove a unit from layer ${k}`, "data-layer": k, class: "remove-unit", onclick: () => setUnits(n - 1) }, "−");
    plus.disabled = n >= limits[1];
    minus.disabled = n <= limits[0];
    const control = el("div", { class: "layer-control" }, el("div", {}, plus, " ", minus), el("div", { text: `${n} unit${n === 1 ? "" : "s"}` }));
    control.style.left = `${(100 * x(k)) / VIEW_W}%`;
    box.append(control);
  });
}

const unitCanvas = document.createElement("canvas");

export function updateDiagram(snapshot) {
  const W = snapshot.weights;
  let maxAbs = 0;
  for (const layer of W) for (const row of layer) for (const w of row) if (w !== null) maxAbs = Math.max(maxAbs, Math.abs(w));
  for (const [name, e] of edges) {
    const w = W[e.k - 1][e.i - 1][e.j - 1];
    const width = w === null || maxAbs === 0 ? 0 : (8 * Math.abs(w)) / maxAbs; // ∝ |w|
    e.edge.setAttribute("stroke-width", Math.max(width, 0.35).toFixed(2));
    e.edge.classList.toggle("pos", w !== null && w >= 0);
    e.edge.classList.toggle("neg", w !== null && w < 0);
    e.edge.dataset.value = w === null ? "NaN" : String(w);
    e.title.textContent = `${name} = ${fmt(w)}: click for its chain rule`;
  }
  $("max-w").textContent = fmt(maxAbs, 3);
  const maps = snapshot.heatmaps;
  if (!maps) return;
  maps.units.forEach((layer, k) =>
    layer.forEach((map, j) => {
      const node = nodes.get(`${k + 1},${j + 1}`);
      if (!node || !node.image) return;
      const m = Math.max(Math.abs(map.lo), Math.abs(map.hi)) || 1;
      paintMap(unitCanvas, map, (b) => {
        const v = map.lo + (b / 255) * (map.hi - map.lo);
        const t = clamp(v / m, -1, 1);
        return t >= 0 ? mix(WHITE, POS, t) : mix(WHITE, NEG, -t);
      });
      node.image.setAttribute("href", unitCanvas.toDataURL());
    })
  );
}

export function highlightPath(ex) {
  const diagram = $("diagram");
  diagram.classList.toggle("has-path", Boolean(ex));
  for (const e of edges.values()) {
    e.edge.classList.remove("on-path", "selected");
    e.hit.classList.remove("selected");
  }
  for (const n of nodes.values()) n.group.classList.remove("on-path");
  if (!ex) return;
  const sizes = state.session.network.sizes;
  const L = sizes.length - 1;
  const { layer: k, row: i, column: j, name } = ex.weight;
  const mark = (key) => edges.has(key) && edges.get(key).edge.classList.add("on-path");
  const markNode = (l, u) => nodes.has(`${l},${u}`) && nodes.get(`${l},${u}`).group.classList.add("on-path");
  edges.get(name).edge.classList.add("selected", "on-path");
  edges.get(name).hit.classList.add("selected"); // a halo: the line keeps its width ∝ |w|
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
    // too many paths to list: they are every path from unit j of layer k forward
    let from = [j];
    for (let l = k + 1; l <= L; l++) {
      const to = Array.from({ length: sizes[l] }, (_, n) => n + 1);
      for (const a of from) for (const b of to) mark(`W${l}[${a},${b}]`);
      to.forEach((u) => markNode(l, u));
      from = to;
    }
  }
}
