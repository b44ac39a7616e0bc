// chainrule playground: the page. Plain JavaScript, no build step, nothing fetched from elsewhere.
// Every number shown comes from the server (chainrule's engine): training steps, losses,
// heatmaps and each weight's chain rule. This file only draws them and keeps the setup in the URL.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const POS = hexRGB("#f59322");
  const NEG = hexRGB("#0877bd");
  const WHITE = [255, 255, 255];
  const DATASET_LABELS = { moons: "moons", circles: "circles", xor: "xor", spiral: "spiral", blobs: "blobs", csv: "CSV" };
  // the setup's fields and how each is spelled in the URL's query string
  const TYPES = {
    dataset: "str", n_samples: "int", noise: "num", n_classes: "int", test_ratio: "num", seed: "int",
    upload: "str", standardize: "bool", hidden: "list", activation: "str", output: "str",
    optimizer: "str", lr: "num", batch_size: "int", l2: "num",
  };

  const state = {
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
    updates: 0, // snapshots drawn since the page loaded
    updateTimes: [],
    rate: 0,
    upload: null, // the summary of the uploaded CSV
  };
  window.playground = state; // for scripting the page and for its browser test
  state.draw = (snapshot) => applySnapshot(snapshot, false);

  // -- helpers --------------------------------------------------------------------------------------
  function hexRGB(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  function mix(a, b, t) {
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  }
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const SUB = "₀₁₂₃₄₅₆₇₈₉";
  const SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  const sub = (n) => String(n).split("").map((d) => SUB[+d]).join("");
  const sup = (n) => "⁽" + String(n).split("").map((d) => SUP[+d]).join("") + "⁾";

  function fmt(v, digits = 6) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "string") return v; // "Infinity", "NaN" from the explainer's JSON
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return "0";
    const a = Math.abs(v);
    const s = a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1);
    return s.replace("-", "−");
  }
  const vec = (values) => (values.length === 1 ? fmt(values[0]) : "(" + values.map((v) => fmt(v)).join(", ") + ")");

  function el(tag, attrs = {}, ...children) {
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
  function svg(tag, attrs = {}) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  async function api(method, path, body, contentType = "application/json") {
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

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }
  let noticeTimer = null;
  function notice(message) {
    $("notice").textContent = message;
    $("notice").hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => ($("notice").hidden = true), 8000);
  }

  // -- the setup in the URL ---------------------------------------------------------------------------
  function readURL() {
    const q = new URLSearchParams(location.search);
    const config = {};
    for (const [key, type] of Object.entries(TYPES)) {
      if (!q.has(key)) continue;
      const v = q.get(key);
      if (type === "int" || type === "num") config[key] = v.trim() === "" ? null : Number(v);
      else if (type === "bool") config[key] = v === "1" || v === "true";
      else if (type === "list") config[key] = v === "" ? [] : v.split(",").map(Number);
      else config[key] = v;
    }
    const extras = {
      weight: q.get("weight"),
      sample: q.has("sample") ? Math.max(0, parseInt(q.get("sample"), 10) || 0) : 0,
      k: q.has("k") ? clamp(parseInt(q.get("k"), 10) || 10, 1, 500) : 10,
      test: q.get("test") === "1",
    };
    return { config, extras };
  }

  function writeURL() {
    const q = new URLSearchParams();
    for (const [key, type] of Object.entries(TYPES)) {
      const v = state.config[key];
      if (v === null || v === undefined) continue;
      if (type === "list") q.set(key, v.join(","));
      else if (type === "bool") q.set(key, v ? "1" : "0");
      else q.set(key, String(v));
    }
    q.set("k", String(state.stepsPerUpdate));
    if (state.showTest) q.set("test", "1");
    if (state.selected) {
      q.set("weight", state.selected.weight);
      q.set("sample", String(state.selected.sample));
    }
    history.replaceState(null, "", "?" + q.toString().replace(/%5B/g, "[").replace(/%5D/g, "]").replace(/%2C/g, ","));
    $("share-url").value = location.href;
  }

  // -- sessions -------------------------------------------------------------------------------------
  async function start(config) {
    stopPlaying();
    const old = state.session && state.session.id;
    const session = await api("POST", "/api/sessions", config);
    adopt(session);
    if (old && old !== session.id) api("DELETE", `/api/sessions/${old}`).catch(() => {});
  }

  function adopt(session) {
    state.session = session;
    state.config = session.config;
    if (session.config.dataset === "csv" && !state.upload) {
      const d = session.data;
      state.upload = { id: session.config.upload, task: d.task, classes: d.classes, filename: "your CSV" };
    }
    fillControls();
    buildDiagram();
    applySnapshot(session.snapshot, false);
    updateExports();
    const max = session.data.n_train - 1;
    $("sample").max = String(max);
    if (state.selected) {
      state.selected.sample = Math.min(state.selected.sample, max);
      if (!edges.has(state.selected.weight)) state.selected = null;
    }
    writeURL();
    if (state.selected) explainSelected();
    else closeExplanation();
  }

  function classCount(config) {
    if (config.dataset === "csv") return state.upload && state.upload.classes ? state.upload.classes.length : null;
    return ["spiral", "blobs"].includes(config.dataset) ? config.n_classes : 2;
  }

  // The setup the controls ask for, until a session with it has started. Changes made while a
  // session is starting are merged into it and applied next, so two quick changes (say the
  // optimizer, then the learning rate) both take effect.
  let desired = null;
  let applying = false;

  async function change(patch) {
    const config = { ...(desired || state.config), ...patch };
    const k = classCount(config);
    const regression = config.dataset === "csv" && state.upload && state.upload.task === "regression";
    if (regression && config.output !== "identity") {
      config.output = "identity";
      notice("The target is a number (regression): output switched to identity + squared error.");
    } else if (!regression && k > 2 && config.output === "sigmoid") {
      config.output = "softmax";
      notice(`${k} classes: output switched to softmax + cross-entropy.`);
    }
    if (!desired && JSON.stringify(config) === JSON.stringify(state.config)) return; // no change
    desired = config;
    if (applying) return;
    applying = true;
    try {
      while (desired) {
        const target = desired;
        try {
          await start(target);
          showError("");
        } catch (err) {
          showError(err.message);
        }
        if (desired === target) desired = null; // nothing newer was asked for meanwhile
      }
    } finally {
      applying = false;
      fillControls(); // the setup that runs
    }
  }

  // -- controls -------------------------------------------------------------------------------------
  function buildDatasetButtons() {
    const box = $("datasets");
    box.replaceChildren();
    for (const name of state.options.datasets) {
      const button = el("button", { type: "button", "data-dataset": name, role: "radio", text: DATASET_LABELS[name] || name });
      button.addEventListener("click", () => {
        if (name === "csv") {
          if (state.upload) change({ dataset: "csv", upload: state.upload.id });
          else $("upload").click();
        } else change({ dataset: name });
      });
      box.append(button);
    }
  }

  function fillControls() {
    const c = state.config;
    for (const node of document.querySelectorAll("[data-key]")) {
      const v = c[node.dataset.key];
      if (node === document.activeElement && node.type !== "checkbox") continue; // being typed in
      if (node.type === "checkbox") node.checked = Boolean(v);
      else node.value = v;
    }
    $("noise").max = c.dataset === "blobs" ? "3" : "1";
    $("noise").value = c.noise;
    $("noise-value").textContent = c.noise.toFixed(2);
    $("test-ratio-value").textContent = Math.round(c.test_ratio * 100) + "%";
    $("classes-control").hidden = !["spiral", "blobs"].includes(c.dataset);
    $("generator-controls").hidden = c.dataset === "csv";
    $("steps-per-update").value = state.stepsPerUpdate;
    $("show-test").checked = state.showTest;
    for (const button of $("datasets").children) {
      const on = button.dataset.dataset === c.dataset;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-checked", String(on));
    }
    $("add-layer").disabled = c.hidden.length >= state.options.limits.layers[1];
    $("remove-layer").disabled = c.hidden.length === 0;
  }

  function readControl(node) {
    const type = TYPES[node.dataset.key];
    if (node.type === "checkbox") return node.checked;
    if (type === "int" || type === "num") return node.value.trim() === "" ? null : Number(node.value);
    return node.value;
  }

  function wireControls() {
    for (const node of document.querySelectorAll("[data-key]")) {
      node.addEventListener("change", () => change({ [node.dataset.key]: readControl(node) }));
    }
    $("noise").addEventListener("input", () => ($("noise-value").textContent = Number($("noise").value).toFixed(2)));
    $("test_ratio").addEventListener("input", () => ($("test-ratio-value").textContent = Math.round($("test_ratio").value * 100) + "%"));
    $("steps-per-update").addEventListener("change", () => {
      state.stepsPerUpdate = clamp(parseInt($("steps-per-update").value, 10) || 1, 1, state.options.max_steps);
      $("steps-per-update").value = state.stepsPerUpdate;
      writeURL();
    });
    $("show-test").addEventListener("change", () => {
      state.showTest = $("show-test").checked;
      drawHeatmap();
      writeURL();
    });
    $("add-layer").addEventListener("click", () => {
      const hidden = state.config.hidden;
      change({ hidden: [...hidden, hidden.length ? hidden[hidden.length - 1] : 4] });
    });
    $("remove-layer").addEventListener("click", () => change({ hidden: state.config.hidden.slice(0, -1) }));
    $("play").addEventListener("click", () => (state.playing ? stopPlaying() : play()));
    $("step").addEventListener("click", oneStep);
    $("reset").addEventListener("click", reset);
    $("upload").addEventListener("change", uploadFile);
    $("copy-link").addEventListener("click", copyLink);
    $("explain-close").addEventListener("click", () => {
      state.selected = null;
      closeExplanation();
      writeURL();
    });
    $("sample").addEventListener("change", () => {
      if (!state.selected) return;
      state.selected.sample = clamp(parseInt($("sample").value, 10) || 0, 0, state.session.data.n_train - 1);
      explainSelected();
      drawHeatmap();
      writeURL();
    });
    $("heatmap").addEventListener("click", pickSample);
    $("upload-limit").textContent = `${(state.options.max_upload_bytes / 1e6).toFixed(0)} MB`;
  }

  async function uploadFile(event) {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const status = $("upload-status");
    const limit = state.options.max_upload_bytes;
    const say = (text, cls) => {
      status.textContent = text;
      status.className = "status " + cls;
    };
    if (file.size > limit) {
      say(`${file.name} is ${file.size.toLocaleString()} bytes; the limit is ${limit.toLocaleString()} bytes.`, "error");
      return;
    }
    say(`Reading ${file.name} …`, "");
    try {
      const info = await api("POST", `/api/uploads?filename=${encodeURIComponent(file.name)}`, file, "text/csv");
      state.upload = info;
      const classes = info.classes ? `, ${info.classes.length} classes` : "";
      say(`${info.filename}: ${info.n_samples} samples × ${info.n_features} features (${info.task}${classes}); target: ${info.target_name}.`, "ok");
      await change({ dataset: "csv", upload: info.id });
    } catch (err) {
      say(err.message, "error");
    }
  }

  async function copyLink() {
    writeURL();
    $("share-url").select();
    try {
      await navigator.clipboard.writeText(location.href);
      notice("Link copied: it reproduces this setup.");
    } catch (_) {
      document.execCommand("copy");
    }
  }

  function updateExports() {
    const base = `/api/sessions/${state.session.id}/export`;
    $("export-model").href = `${base}/model`;
    $("export-weights").href = `${base}/weights`;
    $("export-script").href = `${base}/script`;
    $("export-data").href = `${base}/data?part=train`;
  }

  // -- training -------------------------------------------------------------------------------------
  function play() {
    if (state.playing || !state.session) return;
    state.playing = true;
    $("play").classList.add("playing");
    $("play").setAttribute("aria-pressed", "true");
    state.updateTimes = [];
    loop();
  }

  function stopPlaying() {
    if (!state.playing) return;
    state.playing = false;
    $("play").classList.remove("playing");
    $("play").setAttribute("aria-pressed", "false");
  }

  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  // While playing, one request is always in flight: the server trains the next k steps while
  // the page draws the last snapshot. Pausing waits for that request and draws it, so the page
  // always shows the state the server is in.
  let loopId = 0;

  async function loop() {
    const id = ++loopId;
    state.looping = true; // until the last request in flight has been drawn
    try {
      await runLoop(id);
    } finally {
      if (id === loopId) state.looping = false;
    }
  }

  async function runLoop(id) {
    const sid = state.session.id;
    const request = () => api("POST", `/api/sessions/${sid}/step`, { steps: state.stepsPerUpdate });
    let pending = request();
    while (true) {
      let snapshot;
      try {
        snapshot = await pending;
      } catch (err) {
        showError(err.message);
        stopPlaying();
        return;
      }
      if (state.session.id !== sid) return;
      const more = state.playing && id === loopId && !snapshot.diverged;
      if (more) pending = request();
      applySnapshot(snapshot, true);
      if (snapshot.diverged) {
        stopPlaying();
        showError("Training diverged: a weight became infinite or NaN. Try a smaller learning rate, then reset.");
      }
      if (!more) {
        if (state.selected && id === loopId) explainSelected();
        return;
      }
      await nextFrame();
    }
  }

  async function oneStep() {
    if (state.playing || state.looping || state.busy) return;
    state.busy = true;
    try {
      applySnapshot(await api("POST", `/api/sessions/${state.session.id}/step`, { steps: 1 }), true);
      if (state.selected) await explainSelected();
    } catch (err) {
      showError(err.message);
    } finally {
      state.busy = false;
    }
  }

  async function reset() {
    stopPlaying();
    try {
      adopt(await api("POST", `/api/sessions/${state.session.id}/reset`));
    } catch (err) {
      showError(err.message);
    }
  }

  function applySnapshot(snapshot, counted) {
    state.snapshot = snapshot;
    $("step-count").textContent = snapshot.step;
    $("epoch").textContent = snapshot.epoch.toFixed(1);
    const m = snapshot.metrics;
    $("train-loss").textContent = fmt(m.train_loss, 4);
    $("test-loss").textContent = fmt(m.test_loss, 4);
    $("train-acc").textContent = m.train_accuracy === null ? "–" : (100 * m.train_accuracy).toFixed(1) + "%";
    $("test-acc").textContent = m.test_accuracy === null ? "–" : (100 * m.test_accuracy).toFixed(1) + "%";
    updateDiagram(snapshot);
    drawHeatmap();
    drawLoss();
    if (counted) {
      const now = performance.now();
      state.updates += 1;
      state.updateTimes.push(now);
      while (state.updateTimes.length && now - state.updateTimes[0] > 2000) state.updateTimes.shift();
      const times = state.updateTimes;
      if (times.length > 1) state.rate = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
      $("rate").textContent = state.rate.toFixed(1);
    }
  }

  // -- the network diagram --------------------------------------------------------------------------
  const edges = new Map(); // "W1[1,1]" → {edge, hit, title, k, i, j}
  const nodes = new Map(); // "k,u" → {group, image}
  const VIEW_W = 680;

  function unitName(k, u, L) {
    if (k === 0) return "x" + sub(u);
    if (k === L) return state.session.network.sizes[L] === 1 ? "ŷ" : "ŷ" + sub(u);
    return "h" + sub(u) + sup(k);
  }

  function buildDiagram() {
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
          hit.addEventListener("click", () => selectWeight(name));
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
        change({ hidden: next });
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

  function updateDiagram(snapshot) {
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

  function decode(map) {
    const raw = atob(map.data);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function paintMap(canvas, map, colour, extra) {
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

  function selectWeight(name) {
    const sample = state.selected ? state.selected.sample : 0;
    state.selected = { weight: name, sample };
    writeURL();
    explainSelected();
    drawHeatmap();
  }

  // -- the chain rule for the selected weight ------------------------------------------------------------
  let explainSeq = 0;

  async function explainSelected() {
    if (!state.selected || !state.session) return;
    const { weight, sample } = state.selected;
    const sid = state.session.id;
    const seq = ++explainSeq;
    $("explain-panel").hidden = false;
    $("sample").value = sample;
    try {
      const result = await api("GET", `/api/sessions/${sid}/explain?weight=${encodeURIComponent(weight)}&sample=${sample}`);
      if (seq !== explainSeq || state.session.id !== sid) return;
      state.explanation = result;
      renderExplanation(result);
      highlightPath(result.explanation);
    } catch (err) {
      if (seq !== explainSeq) return;
      $("explain-body").replaceChildren(el("p", { class: "verdict bad", text: err.message }));
    }
  }

  function closeExplanation() {
    state.explanation = null;
    $("explain-panel").hidden = true;
    highlightPath(null);
    drawHeatmap();
  }

  function highlightPath(ex) {
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

  function table(head, rows, numeric = []) {
    const thead = el("tr", {}, head.map((h, c) => el("th", { class: numeric.includes(c) ? "num" : "" }, h)));
    const body = rows.map((r) => {
      const cells = r.cells || r;
      const row = el("tr", { class: r.cls || "" }, cells.map((v, c) => el("td", { class: numeric.includes(c) ? "num" : "" }, v)));
      for (const [k, v] of Object.entries(r.data || {})) row.dataset[k] = v;
      return row;
    });
    return el("table", {}, el("thead", {}, thead), el("tbody", {}, body));
  }

  function renderExplanation(result) {
    const ex = result.explanation;
    const w = ex.weight;
    $("explain-title").textContent = `∂E/∂${w.symbol}  (${w.name})`;
    $("explain-step").textContent = `at step ${result.step}`;
    const body = [];
    const L = ex.network.sizes.length - 1;
    const yhat = ex.forward.length ? ex.forward[L - 1].a : [];
    body.push(el("p", {}, `The weight ${w.symbol} = ${fmt(w.value, 8)} joins ${w.source} to ${w.target}${w.is_bias ? " (a bias: its input is always 1)" : ""}.`));
    body.push(el("p", {}, `Training sample ${ex.samples[0].index}: x = ${vec(ex.x)}, y = ${vec(ex.y)}, ŷ = ${vec(yhat)}; its error E = ${fmt(ex.error, 8)}.`));
    body.push(el("p", { class: "chain" }, `∂E/∂${w.symbol} = ` + ex.chain.map((f) => f.symbol).join(" · ")));

    body.push(el("h3", {}, "The chain rule, factor by factor"));
    const rows = [];
    for (const f of ex.factors) {
      rows.push({ cells: [f.symbol, f.formula, f.numbers, fmt(f.value, 8), fmt(f.running, 8)], data: { role: f.role, value: String(f.value) } });
      for (const p of f.parts) rows.push({ cells: [p.symbol, p.formula, p.numbers, fmt(p.value, 8), ""], cls: "part" });
      if (f.note) rows.push({ cells: [el("em", {}, f.note), "", "", "", ""], cls: "part" });
    }
    const factors = table(["factor", "formula", "with the numbers", "value", "running product"], rows, [3, 4]);
    factors.id = "factors";
    body.push(factors);
    body.push(el("p", {}, "So ", el("b", { id: "explain-value", "data-value": String(ex.value) }, `∂E/∂${w.symbol} = ${fmt(ex.value, 10)}`), "."));

    if (ex.paths.listed && ex.paths.count > 1) {
      body.push(el("h3", {}, `${ex.paths.count} paths from ${w.symbol} to E: the chain rule sums over them`));
      const shown = ex.paths.items.slice(0, 16);
      const prows = shown.map((p) => [[...p.labels, "E"].join(" → "), p.factors.map((f) => fmt(f.value, 5)).join(" × "), fmt(p.product, 8)]);
      if (ex.paths.items.length > shown.length) prows.push([`… and ${ex.paths.items.length - shown.length} more`, "", ""]);
      prows.push({ cells: ["sum", "", fmt(ex.paths.items.reduce((s, p) => s + (typeof p.product === "number" ? p.product : NaN), 0), 8)], cls: "sum" });
      body.push(table(["path (forward)", "factors", "product"], prows, [2]));
    } else if (!ex.paths.listed) {
      body.push(el("p", {}, `${ex.paths.count} paths join ${w.symbol} to E, more than the ${ex.paths.bound} listed one by one; the δ recursion below sums them layer by layer.`));
    }
    if (ex.delta.length) {
      body.push(el("h3", {}, "The δ recursion, δ = ∂E/∂h, from the output down"));
      body.push(table(["δ", "recursion", "values"], ex.delta.map((d) => [d.symbol, d.formula, vec(d.values)]), [2]));
    }

    const p = ex.proof;
    body.push(el("h3", {}, "Proof"));
    body.push(table(["∂E/∂w by", "value", "|difference from the engine|"], [
      { cells: ["product of the factors (this derivation)", fmt(p.product, 12), fmt(p.abs_product_engine, 3)], data: { source: "product" } },
      { cells: ["engine: backprop (net.gradients)", fmt(p.engine, 12), "—"], data: { source: "engine" } },
      { cells: ["central finite difference (float64)", fmt(p.numeric, 12), fmt(p.abs_numeric_engine, 3)], data: { source: "numeric" } },
    ], [1, 2]));
    body.push(el("p", { class: "verdict " + (p.agree ? "ok" : "bad"), id: "verdict" },
      p.agree ? `✓ Proven: the three agree (within ${p.atol} + ${p.rtol}·|engine|).` : "✗ NOT proven: the numbers disagree."));

    const s = ex.step;
    body.push(el("h3", {}, "One step of gradient descent (on a copy)"));
    body.push(el("p", {}, `${w.symbol} − lr · ∂E/∂${w.symbol} = ${fmt(s.weight, 8)} − ${s.lr} · ${fmt(s.gradient, 8)} = ${fmt(s.new_weight, 8)}; ` +
      `E on this sample goes from ${fmt(s.error_before, 8)} to ${fmt(s.error_after, 8)} when every weight steps ` +
      `(${fmt(s.error_after_weight_only, 8)} when only this one does; first-order prediction ${fmt(s.predicted_change, 4)}).`));

    const d = ex.diagnostics;
    const notes = [...d.units.filter((u) => u.status !== "ok").map((u) => u.message), ...d.layers.map((c) => c.message)];
    if (notes.length) {
      body.push(el("h3", {}, "Diagnostics"));
      body.push(el("ul", {}, notes.map((m) => el("li", {}, m))));
    }

    body.push(el("h3", {}, "The same in the terminal"));
    body.push(el("p", {}, "Export the model file and the training data (left), then run ",
      el("code", { id: "cli-command" }, `chainrule explain playground.chainrule --data playground-train.csv --weight '${w.name}' --sample ${ex.samples[0].index}`)));
    body.push(el("details", {}, el("summary", {}, "as the terminal prints it"), el("pre", { id: "explain-text" }, result.text)));
    $("explain-body").replaceChildren(...body);
  }

  // -- the output heatmap and the data ----------------------------------------------------------------
  const outCanvas = document.createElement("canvas");

  function classColour(c) {
    return hexRGB(PALETTE[c % PALETTE.length]);
  }

  function drawHeatmap() {
    const canvas = $("heatmap");
    const ctx = canvas.getContext("2d");
    const snapshot = state.snapshot;
    const data = state.session && state.session.data;
    const maps = snapshot && snapshot.heatmaps;
    $("no-heatmap").hidden = Boolean(maps);
    canvas.hidden = !maps;
    if (!maps) return;
    const out = maps.output;
    if (out.kind === "probability") {
      const c0 = classColour(0);
      const c1 = classColour(1);
      paintMap(outCanvas, out, (b) => {
        const t = (b / 255) * 2 - 1;
        return t < 0 ? mix(WHITE, c0, -t * 0.75) : mix(WHITE, c1, t * 0.75);
      });
    } else if (out.kind === "classes") {
      paintMap(outCanvas, out.class, (cls, conf) => mix(WHITE, classColour(cls), 0.15 + 0.6 * (conf / 255)), out.confidence);
    } else {
      paintMap(outCanvas, out, (b) => {
        const t = (b / 255) * 2 - 1;
        return t < 0 ? mix(WHITE, NEG, -t * 0.8) : mix(WHITE, POS, t * 0.8);
      });
    }
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

  function pickSample(event) {
    const data = state.session && state.session.data;
    const maps = state.snapshot && state.snapshot.heatmaps;
    if (!maps || !data.points) return;
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
    if (best < 0) return;
    state.selected = { weight: state.selected ? state.selected.weight : "W1[1,1]", sample: best };
    writeURL();
    explainSelected();
    drawHeatmap();
  }

  // -- the loss curves ----------------------------------------------------------------------------------
  function drawLoss() {
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

  // -- start ------------------------------------------------------------------------------------------
  async function init() {
    try {
      state.options = await api("GET", "/api/options");
    } catch (err) {
      showError(`Cannot reach the playground server: ${err.message}`);
      return;
    }
    buildDatasetButtons();
    const { config, extras } = readURL();
    state.stepsPerUpdate = extras.k;
    state.showTest = extras.test;
    if (extras.weight) state.selected = { weight: extras.weight, sample: extras.sample };
    wireControls();
    try {
      await start(config);
    } catch (err) {
      showError(`This link's setup cannot be used (${err.message}); showing the default setup instead.`);
      await start({});
    }
    document.body.dataset.ready = "1";
  }

  init();
})();
