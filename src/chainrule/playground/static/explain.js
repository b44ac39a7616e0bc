// chainrule playground: the panel with a weight's chain rule, drawn from cr.explain's JSON
// (schema chainrule.explain, version 1): factors, paths, δ recursion, proof, one step, diagnostics.
import { $, el, fmt, vec } from "./util.js";

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

export function renderExplanation(result) {
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

  const a = result.audit; // the session's own optimizer, one step on this sample, on a copy
  const names = { sgd: "SGD", adam: "Adam", adamw: "AdamW", rmsprop: "RMSprop" };
  const extras = [a.l2 ? `L2 ${a.l2}` : "", a.l1 ? `L1 ${a.l1}` : ""].filter(Boolean).join(", ");
  body.push(el("h3", {}, `One step of ${names[a.optimizer] || a.optimizer} (lr ${a.lr}${extras ? ", " + extras : ""}), on a copy`));
  const audit = table(["quantity", "value"], [
    ["weight now", fmt(a.weight, 8)],
    [`∂E/∂${w.symbol} on this sample`, fmt(a.gradient, 8)],
    [`after one ${names[a.optimizer] || a.optimizer} step (optimizer step ${a.optimizer_steps + 1})`, fmt(a.new_weight, 8)],
    { cells: ["update Δw", fmt(a.update, 8)], data: { update: String(a.update) } },
    ["plain gradient descent would move it by −lr · ∂E/∂w", fmt(a.sgd_update, 8)],
    ["E on this sample before → after (every weight stepped)", `${fmt(a.error_before, 8)} → ${fmt(a.error_after, 8)}`],
  ], [1]);
  audit.id = "audit";
  body.push(audit);

  const d = ex.diagnostics;
  const notes = [...d.units.filter((u) => u.status !== "ok").map((u) => u.message), ...d.layers.map((c) => c.message)];
  if (notes.length) {
    body.push(el("h3", {}, "Diagnostics"));
    body.push(el("ul", {}, notes.map((m) => el("li", {}, m))));
  }

  body.push(el("h3", {}, "The same in the terminal"));
  body.push(el("p", {}, "Export the model file and the training data (left), then run ",
    el("code", { id: "cli-command" }, `chainrule explain playground.chainrule --data playground-train.csv --weight '${w.name}' --row ${ex.samples[0].index} --lr ${ex.step.lr}`)));
  body.push(el("details", {}, el("summary", {}, "as the terminal prints it"), el("pre", { id: "explain-text" }, result.text)));
  $("explain-body").replaceChildren(...body);
}
