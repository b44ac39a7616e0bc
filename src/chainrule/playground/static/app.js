// chainrule playground: the page. Plain JavaScript modules, no build step, nothing fetched from
// elsewhere. Every number shown comes from the server (chainrule's engine): training steps,
// losses, heatmaps and each weight's chain rule. This module keeps the setup (in the URL too),
// talks to the API and runs the play loop; diagram.js, plots.js and explain.js draw.
import { buildDiagram, edges, highlightPath, updateDiagram } from "./diagram.js";
import { renderExplanation } from "./explain.js";
import { drawHeatmap, drawLoss, pickSample } from "./plots.js";
import { $, actions, api, clamp, el, fmt, state } from "./util.js";

const DATASET_LABELS = { moons: "moons", circles: "circles", xor: "xor", spiral: "spiral", blobs: "blobs", csv: "CSV" };
// the setup's fields and how each is spelled in the URL's query string
const TYPES = {
  dataset: "str", n_samples: "int", noise: "num", n_classes: "int", test_ratio: "num", seed: "int",
  upload: "str", standardize: "bool", hidden: "list", activation: "str", output: "str",
  optimizer: "str", lr: "num", batch_size: "int", l2: "num",
};

window.playground = state; // for scripting the page and for its browser test

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
    // standardize null: the server's choice (on for an uploaded CSV), as the network reports it
    if (node.type === "checkbox") node.checked = v === null && state.session ? state.session.network.standardized : Boolean(v);
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
  $("heatmap").addEventListener("click", (event) => {
    const n = pickSample(event);
    if (n >= 0) selectSample(n);
  });
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
    const dropped = info.dropped_rows ? ` ${info.dropped_rows} row(s) without a target left out.` : "";
    say(`${info.filename}: ${info.n_samples} samples × ${info.n_features} features (${info.task}${classes}); target: ${info.target_name}.${dropped}`, "ok");
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

function selectSample(n) {
  state.selected = { weight: state.selected ? state.selected.weight : "W1[1,1]", sample: n };
  writeURL();
  explainSelected();
  drawHeatmap();
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

// -- start ------------------------------------------------------------------------------------------
async function init() {
  actions.change = change;
  actions.selectWeight = selectWeight;
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
