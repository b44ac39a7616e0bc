// chainrule playground: training and drawing, kept apart. While playing, the training loop keeps
// four step requests in flight (the server trains k steps per request, one session at a time), and
// keeps only the newest snapshot; the drawing loop draws that snapshot once per animation frame,
// if it is new. So drawing never waits for training, nor training for drawing: updates/s counts
// snapshots received, frames/s counts frames drawn.
import { drawHeatmap, drawLoss } from "./plots.js";
import { updateDiagram } from "./diagram.js";
import { $, api, fmt, state } from "./util.js";

const IN_FLIGHT = 4;
export const hooks = { onError: null, onDiverged: null, onStopped: null, recover: null };

/** Show a snapshot now: counters, metrics, the diagram (in place) and the maps. */
export function draw(snapshot) {
  state.snapshot = snapshot;
  state.drawn = snapshot;
  $("step-count").textContent = snapshot.step;
  $("epoch").textContent = snapshot.epoch.toFixed(1);
  const m = snapshot.metrics;
  $("train-loss").textContent = fmt(m.train_loss, 4);
  $("test-loss").textContent = fmt(m.test_loss, 4);
  $("train-acc").textContent = m.train_accuracy === null ? "–" : (100 * m.train_accuracy).toFixed(1) + "%";
  $("test-acc").textContent = m.test_accuracy === null ? "–" : (100 * m.test_accuracy).toFixed(1) + "%";
  drawHeatmap(); // first: the diagram's output unit is drawn from the decision map
  updateDiagram(snapshot);
  drawLoss();
  state.frames += 1;
}

function counted(snapshot) {
  if (state.latest && snapshot.step < state.latest.step) return; // an older answer, overtaken
  state.latest = snapshot;
  const now = performance.now();
  state.updates += 1;
  state.updateTimes.push(now);
  while (state.updateTimes.length && now - state.updateTimes[0] > 2000) state.updateTimes.shift();
  const times = state.updateTimes;
  if (times.length > 1 && state.playing) state.rate = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
}

// A frame that takes long (a big network's SVG) leaves the page's thread free for as long again
// before the next one, so answers from the server are never starved by drawing.
let drawCost = 0;
let drawnAt = 0;

function frame(now) {
  if (state.latest && state.latest !== state.drawn && now - drawnAt >= drawCost) {
    const t0 = performance.now();
    draw(state.latest);
    $("rate").textContent = state.playing ? state.rate.toFixed(1) : "0";
    drawnAt = performance.now();
    drawCost = drawnAt - t0;
  }
  if (state.playing || state.looping) requestAnimationFrame(frame);
}

export function play() {
  if (state.playing || !state.session) return;
  state.playing = true;
  $("play").classList.add("playing");
  $("play").setAttribute("aria-pressed", "true");
  $("play").setAttribute("aria-label", "pause");
  state.updateTimes = [];
  state.latest = state.snapshot;
  trainLoop();
  requestAnimationFrame(frame);
}

export function stopPlaying() {
  if (!state.playing) return;
  state.playing = false;
  state.rate = 0;
  state.updateTimes = [];
  $("rate").textContent = "0";
  $("play").classList.remove("playing");
  $("play").setAttribute("aria-pressed", "false");
  $("play").setAttribute("aria-label", "play");
}

let loopId = 0;

async function trainLoop() {
  const id = ++loopId;
  const sid = state.session.id;
  state.looping = true; // until the last request in flight has been drawn
  const request = () => api("POST", `/api/sessions/${sid}/step`, { steps: state.stepsPerUpdate });
  const pending = [];
  const live = () => state.playing && id === loopId && state.session.id === sid;
  try {
    for (let n = 0; n < IN_FLIGHT; n++) pending.push(request());
    while (pending.length) {
      let snapshot;
      try {
        snapshot = await pending.shift();
      } catch (err) {
        stopPlaying();
        if (err.status === 404 && hooks.recover) await hooks.recover();
        else hooks.onError(err.message);
        return;
      }
      if (state.session.id !== sid) return;
      counted(snapshot);
      if (snapshot.diverged) {
        stopPlaying();
        hooks.onDiverged();
      }
      if (live()) pending.push(request());
    }
  } finally {
    if (id === loopId) {
      state.looping = false;
      if (state.latest && state.latest !== state.drawn && state.session.id === sid) draw(state.latest);
      $("rate").textContent = state.playing ? state.rate.toFixed(1) : "0";
      hooks.onStopped();
    }
  }
}
