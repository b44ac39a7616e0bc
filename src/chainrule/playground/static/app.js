// chainrule playground: the page. Plain JavaScript modules, no build step, nothing fetched from
// elsewhere. Every number shown comes from the server (chainrule's engine): training steps,
// losses, heatmaps and each weight's chain rule. This module keeps the setup (in the URL too),
// talks to the API; loop.js trains and draws, diagram.js, plots.js and explain.js draw.
import { buildDiagram, edgeMidpoint, edges, highlightPath, pickEdge, wireDiagram } from "./diagram.js";
import { renderExplanation } from "./explain.js";
import { draw, hooks, play, stopPlaying } from "./loop.js";
import { buildLegend, drawHeatmap, pickSample } from "./plots.js";
import { $, actions, api, clamp, el, state } from "./util.js";

const DATASET_LABELS = { moons: "moons", circles: "circles", xor: "xor", spiral: "spiral", blobs: "blobs", plane: "plane", gaussian: "Gaussian", csv: "CSV" };
// the setup's fields and how each is spelled in the URL's query string
const TYPES = {
  dataset: "str", n_samples: "int", noise: "num", n_classes: "int", test_ratio: "num", seed: "int",
  upload: "str", standardize: "bool", features: "strs", hidden: "list", activation: "str", output: "str",
  optimizer: "str", lr: "num", batch_size: "int", l2: "num", l1: "num",
};

window.playground = state; // for scripting the page and for its browser test
state.edgeMidpoint = edgeMidpoint;
state.pickEdge = pickEdge;

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}
let noticeTimer = null;
function notice(message) {
  $("notice").textContent = message;
  $("notice").hidden = !message;
  clearTimeout(noticeTimer);
  if (message) noticeTimer = setTimeout(() => ($("notice").hidden = true), 8000);
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
    else if (type === "strs") config[key] = v.split(",").filter(Boolean);
    else config[key] = v;
  }
  const extras = {
    weight: q.get("weight"),
    sample: q.has("sample") ? Math.max(0, parseInt(q.get("sample"), 10) || 0) : 0,
    k: q.has("k") ? clamp(parseInt(q.get("k"), 10) || 10, 1, 500) : 10,
    test: q.get("test") === "1",
    discretize: q.get("discretize") === "1",
  };
  return { config, extras };
}

function writeURL() {
  const q = new URLSearchParams();
  for (const [key, type] of Object.entries(TYPES)) {
    const v = state.config[key];
    if (v === null || v === undefined) continue;
    if (type === "list" || type === "strs") q.set(key, v.join(","));
    else if (type === "bool") q.set(key, v ? "1" : "0");
    else q.set(key, String(v));
  }
  q.set("k", String(state.stepsPerUpdate));
  if (state.showTest) q.set("test", "1");
  if (state.discretize) q.set("discretize", "1");
  if (state.selected) {
    q.set("weight", state.selected.weight);
    q.set("sample", String(state.selected.sample));
  }
  history.replaceState(null, "", "?" + q.toString().replace(/%5B/g, "[").replace(/%5D/g, "]").replace(/%2C/g, ",").replace(/%5E/g, "^").replace(/%28/g, "(").replace(/%29/g, ")").replace(/%2A/g, "*"));
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
  state.latest = null;
  if (session.config.dataset === "csv" && !state.upload) {
    const d = session.data;
    state.upload = { id: session.config.upload, task: d.task, classes: d.classes, filename: "your CSV" };
  }
  showError(""); // a new session (or a reset) has not diverged
  fillControls();
  buildDiagram();
  draw(session.snapshot);
  buildLegend();
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

/** The server forgot the session (it restarted, or dropped it): start the same setup again. */
async function recover() {
  try {
    await start(state.config);
    notice("The playground server had restarted and lost this run; the same setup was started again at step 0.");
  } catch (err) {
    showError(err.status === 0 ? err.message : `The server had restarted; starting this setup again failed: ${err.message}`);
  }
}

/** A call on the session; a session the server no longer has is recovered, and the call not repeated. */
async function onSession(call) {
  try {
    return await call();
  } catch (err) {
    if (err.status === 404 && /no session/.test(err.message)) await recover();
    else showError(err.message);
    return null;
  }
}

function taskOf(config) {
  if (state.options.regression_datasets.includes(config.dataset)) return "regression";
  if (config.dataset === "csv") return state.upload ? state.upload.task : null;
  return ["spiral", "blobs"].includes(config.dataset) && config.n_classes > 2 ? "multiclass" : "binary";
}

function classCount(config) {
  if (config.dataset === "csv") return state.upload && state.upload.classes ? state.upload.classes.length : null;
  return ["spiral", "blobs"].includes(config.dataset) ? config.n_classes : 2;
}

/** The output and loss that fit the data, and a notice when it had to change (else ""). */
function fitOutput(config, before) {
  const task = taskOf(config);
  const k = classCount(config);
  if (task === "regression" && config.output !== "identity") {
    config.output = "identity";
    return "The target is a number (regression): output switched to identity + squared error.";
  }
  // the data before: the running session's (an upload's summary is replaced before this runs)
  const wasRegression = Boolean(before) && state.session && state.session.data.task === "regression";
  if (task !== "regression" && task !== null && (config.output === "sigmoid" || (config.output === "identity" && wasRegression))) {
    const want = k > 2 ? "softmax" : "sigmoid";
    if (want !== config.output) {
      config.output = want;
      return want === "softmax" ? `${k} classes: output switched to softmax + cross-entropy.` : "Two classes: output switched to sigmoid + binary cross-entropy.";
    }
  }
  return "";
}

// The setup the controls ask for, until a session with it has started. Changes made while a
// session is starting are merged into it and applied next, so two quick changes (say the
// optimizer, then the learning rate) both take effect.
let desired = null;
let applying = false;

async function change(patch) {
  const before = desired || state.config;
  const config = { ...before, ...patch };
  if ("dataset" in patch && patch.dataset !== state.config.dataset) {
    config.standardize = null; // each dataset's default: on for an upload (as the CLI), off else
    if (patch.dataset === "csv") config.features = ["x1", "x2"];
  }
  notice(fitOutput(config, before));
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
        if (err.field) revert(err.field); // the box shows the value that runs, not the bad one
      }
      if (desired === target) desired = null; // nothing newer was asked for meanwhile
    }
  } finally {
    applying = false;
    fillControls(); // the setup that runs
  }
}

function revert(field) {
  const node = document.querySelector(`[data-key="${field}"]`);
  if (node && node.type !== "checkbox") node.value = state.config[field];
  if (node) node.setAttribute("aria-invalid", "false");
}

// -- controls -------------------------------------------------------------------------------------
function buildDatasetButtons() {
  const box = $("datasets");
  box.replaceChildren();
  for (const name of state.options.datasets) {
    const regression = state.options.regression_datasets.includes(name);
    const button = el("button", { type: "button", "data-dataset": name, role: "radio", "aria-checked": "false", text: DATASET_LABELS[name] || name, title: regression ? `${name}: regression (a number to predict)` : name });
    button.addEventListener("click", () => {
      if (name === "csv") {
        if (state.upload) change({ dataset: "csv", upload: state.upload.id });
        else $("upload").click();
      } else change({ dataset: name });
    });
    box.append(button);
  }
}

function buildInputs() {
  const box = $("inputs");
  box.replaceChildren();
  for (const name of state.options.inputs) {
    const input = el("input", { type: "checkbox", "data-input": name, id: `input-${name}` });
    input.addEventListener("change", () => {
      const chosen = [...box.querySelectorAll("input:checked")].map((n) => n.dataset.input);
      if (!chosen.length) {
        input.checked = true;
        showError("Keep at least one input.");
        return;
      }
      change({ features: chosen });
    });
    box.append(el("label", { class: "check", for: `input-${name}` }, input, name));
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
  const twoD = state.session && state.session.data.extent !== null;
  $("inputs-control").hidden = !twoD || (c.dataset === "csv" && state.session.data.n_features !== 2);
  for (const node of $("inputs").querySelectorAll("input")) node.checked = c.features.includes(node.dataset.input);
  $("steps-per-update").value = state.stepsPerUpdate;
  $("show-test").checked = state.showTest;
  $("discretize").checked = state.discretize;
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
  if (type === "int" || type === "num") return node.value.trim() === "" ? NaN : Number(node.value);
  return node.value;
}

function wireControls() {
  for (const node of document.querySelectorAll("[data-key]")) {
    node.addEventListener("change", () => {
      const key = node.dataset.key;
      const value = readControl(node);
      const bounds = state.options.limits[key];
      if (typeof value === "number" && (!Number.isFinite(value) || (bounds && (value < bounds[0] || value > bounds[1])))) {
        showError(`${node.closest("label").textContent.trim().split("\n")[0]}: ${node.value === "" ? "empty" : node.value} is not a number from ${bounds[0]} to ${bounds[1]}; kept ${state.config[key]}.`);
        node.value = state.config[key]; // an invalid value never stays in its box
        return;
      }
      change({ [key]: value });
    });
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
  $("discretize").addEventListener("change", () => {
    state.discretize = $("discretize").checked;
    draw(state.snapshot);
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
  $("upload").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) uploadFile(file, null);
  });
  $("target-column").addEventListener("change", () => state.uploadFile && uploadFile(state.uploadFile, $("target-column").value));
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
  $("set-weight").addEventListener("submit", (event) => {
    event.preventDefault();
    setWeight();
  });
  $("heatmap").addEventListener("click", (event) => {
    const n = pickSample(event);
    if (n >= 0) selectSample(n);
  });
  $("upload-limit").textContent = `${(state.options.max_upload_bytes / 1e6).toFixed(0)} MB`;
  wireDiagram();
}

async function uploadFile(file, target) {
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
    const query = `filename=${encodeURIComponent(file.name)}` + (target ? `&target=${encodeURIComponent(target)}` : "");
    const info = await api("POST", `/api/uploads?${query}`, file, "text/csv");
    state.upload = info;
    state.uploadFile = file;
    const picker = $("target-column");
    picker.replaceChildren(...info.columns.map((c) => el("option", { value: c, text: c })));
    picker.value = info.target_name;
    $("target-control").hidden = false;
    const classes = info.classes ? `, ${info.classes.length} classes` : "";
    const dropped = info.dropped_rows ? ` ${info.dropped_rows} row(s) without a target left out.` : "";
    say(`${info.filename}: ${info.n_samples} samples × ${info.n_features} features (${info.task}${classes}); target: ${info.target_name}.${dropped}`, "ok");
    await change({ dataset: "csv", upload: info.id, standardize: null });
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
hooks.onError = showError;
hooks.recover = recover;
hooks.onDiverged = () => showError("Training diverged: the error became infinite or NaN. Try a smaller learning rate, then reset.");
hooks.onStopped = () => {
  if (state.selected) explainSelected();
};

async function oneStep() {
  if (state.playing || state.looping || state.busy) return;
  state.busy = true;
  try {
    const snapshot = await onSession(() => api("POST", `/api/sessions/${state.session.id}/step`, { steps: 1 }));
    if (snapshot) {
      draw(snapshot);
      if (snapshot.diverged) hooks.onDiverged();
      if (state.selected) await explainSelected();
    }
  } finally {
    state.busy = false;
  }
}

async function reset() {
  stopPlaying();
  const session = await onSession(() => api("POST", `/api/sessions/${state.session.id}/reset`));
  if (session) adopt(session);
}

async function setWeight() {
  if (!state.selected) return;
  const value = Number($("weight-value").value);
  if ($("weight-value").value.trim() === "" || !Number.isFinite(value) || Math.abs(value) > 1000) {
    showError(`A weight must be a number from −1000 to 1000, not ${$("weight-value").value || "empty"}.`);
    return;
  }
  stopPlaying();
  const body = { weight: state.selected.weight, value };
  const snapshot = await onSession(() => api("POST", `/api/sessions/${state.session.id}/weight`, body));
  if (snapshot) {
    showError("");
    draw(snapshot);
    explainSelected();
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
    $("weight-value").value = String(result.explanation.weight.value);
    highlightPath(result.explanation);
  } catch (err) {
    if (seq !== explainSeq) return;
    if (err.status === 404 && /no session/.test(err.message)) return recover();
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
  buildInputs();
  const { config, extras } = readURL();
  state.stepsPerUpdate = extras.k;
  state.showTest = extras.test;
  state.discretize = extras.discretize;
  if (extras.weight) state.selected = { weight: extras.weight, sample: extras.sample };
  wireControls();
  try {
    await start(config);
  } catch (err) {
    await start({});
    showError(`This link's setup cannot be used (${err.message}); showing the default setup instead.`);
  }
  document.body.dataset.ready = "1";
}

init();
