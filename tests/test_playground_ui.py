"""The playground in Chromium, round 2: picking each edge, keyboard and touch, phone and tablet
layouts, accessibility (axe-core), the colours and numbers shown, the banners and counters, a lost
session, uploads with a target column, inputs, L1, a weight set by hand, the optimizer's audit, a
shared link that reproduces the run, and the DOM changes a frame may make.

Each test would fail on the page before issue 18 (see the issue's list). Speed itself is measured
by benchmarks/bench_playground.py, not asserted here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from browser import (  # noqa: F401  (the fixtures store, url, browser, new_page, page)
    ARTIFACTS,
    browser_fixture,
    explained,
    js,
    midpoint,
    new_page_fixture,
    page_fixture,
    ready,
    shot,
    store_fixture,
    until,
    url_fixture,
)

DATA = Path(__file__).parent / "data"
DOCS_IMG = Path(__file__).parents[1] / "docs" / "img"
DEFAULT_EDGES = [
    f"W{k}[{i},{j}]"
    for k, (n_in, n_out) in enumerate([(2, 4), (4, 4), (4, 1)], start=1)
    for i in range(1, n_in + 2)
    for j in range(1, n_out + 1)
]


def upload(page, path):
    page.set_input_files("#upload", str(path))
    until(page, "document.querySelector('#upload-status').className.includes('ok')")


# -- picking, keyboard, touch ----------------------------------------------------------------------
def test_clicking_each_edges_midpoint_explains_that_weight(page, url):
    ready(page, url)
    assert len(DEFAULT_EDGES) == 37 and page.locator("#diagram .edge").count() == 37
    for weight in DEFAULT_EDGES:
        p = midpoint(page, weight)
        page.mouse.click(p["x"], p["y"])
        assert explained(page, weight).endswith(f"({weight})"), weight
        assert page.locator("#diagram .edge.selected").get_attribute("data-weight") == weight
    assert page.errors == []


def test_the_keyboard_reaches_units_and_edges_and_hears_their_weights(page, url):
    ready(page, url)
    page.focus(".remove-unit[data-layer='2']")  # the control just before the diagram
    page.keyboard.press("Tab")  # the diagram is the next tab stop: its first unit
    assert page.evaluate("document.activeElement.closest('#diagram') !== null")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("input x₁")
    for _ in range(3):  # x₁, x₂, then the edges out of the input layer
        page.keyboard.press("ArrowRight")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    w = js(page, "playground.snapshot.weights[0][0][1]")
    assert label.startswith("weight W1[1,2], from x₁ to h₂⁽¹⁾") and f"{abs(w):.4f}"[:5] in label
    page.keyboard.press("Enter")
    assert explained(page, "W1[1,2]").endswith("(W1[1,2])")
    page.keyboard.press("End")  # the last edge: the bias into ŷ
    assert "W3[5,1]" in page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Home")
    for _ in range(2 + 12):  # past the inputs and W1's 12 edges: the first hidden unit
        page.keyboard.press("ArrowRight")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("h₁⁽¹⁾, layer 1 unit 1, tanh; its bias weight W1[3,1] = ")
    assert "W1[1,2]" in page.inner_text("#diagram-status") or "h₁" in page.inner_text(
        "#diagram-status"
    )


@pytest.mark.parametrize("size", [(390, 844), (768, 1024)], ids=["phone", "tablet"])
def test_phone_and_tablet_touch_and_no_horizontal_scroll(new_page, url, size):
    w, h = size
    page = new_page(viewport={"width": w, "height": h}, has_touch=True, is_mobile=True)
    ready(page, url)
    assert js(page, "document.documentElement.scrollWidth <= window.innerWidth"), js(
        page, "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    name = "phone" if w < 500 else "tablet"
    folder = DOCS_IMG if os.environ.get("CHAINRULE_DOC_SHOTS") else ARTIFACTS
    page.tap("#play")
    until(page, "playground.playing && playground.snapshot.step >= 30")
    page.tap("#play")
    until(page, "!playground.playing && !playground.looping")
    p = midpoint(page, "W3[2,1]")
    page.touchscreen.tap(p["x"], p["y"])
    explained(page, "W3[2,1]")
    assert js(page, "document.documentElement.scrollWidth <= window.innerWidth")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(_mkdir(folder) / f"playground-{name}.png"), full_page=False)
    assert page.errors == []


def _mkdir(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- accessibility ---------------------------------------------------------------------------------
def test_axe_core_finds_no_serious_or_critical_violations(page, url):
    axe = pytest.importorskip("axe_playwright_python")
    source = (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    ready(page, url)
    page.click("#step")
    until(page, "playground.snapshot.step === 1")
    p = midpoint(page, "W2[2,3]")
    page.mouse.click(p["x"], p["y"])
    explained(page, "W2[2,3]")
    page.evaluate(source)  # axe-core itself, evaluated in the page (the CSP forbids a <script>)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"] is not None
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad
    ran = {rule["id"] for rule in result["passes"]} | {rule["id"] for rule in result["violations"]}
    assert {"label", "button-name", "select-name", "color-contrast"} <= ran
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, button, textarea')]
            .filter(n => !n.closest('[hidden]') && !(n.labels && n.labels.length)
                    && !n.getAttribute('aria-label') && !n.textContent.trim())
            .map(n => n.id || n.outerHTML)"""
    )
    assert unlabelled == []


# -- what is drawn ---------------------------------------------------------------------------------
def test_the_output_unit_has_the_decision_maps_colours(page, url):
    ready(page, url)
    page.click("#play")
    until(page, "playground.snapshot.step >= 200")
    page.click("#play")
    until(page, "!playground.playing && !playground.looping")
    pairs = page.evaluate(
        """(() => {
        const node = document.querySelector("#diagram [data-unit='3,1'] canvas");
        const a = node.getContext('2d'), b = playground.mapCanvas.getContext('2d');
        const out = [];
        for (const u of [0.1, 0.3, 0.5, 0.7, 0.9]) for (const v of [0.1, 0.3, 0.5, 0.7, 0.9]) {
          const p = a.getImageData(Math.floor(u * node.width), Math.floor(v * node.height), 1, 1)
            .data;
          const m = playground.mapCanvas;
          const q = b.getImageData(Math.floor(u * m.width), Math.floor(v * m.height), 1, 1).data;
          out.push([[p[0], p[2]], [q[0], q[2]]]);
        }
        return out; })()"""
    )
    # orange (class 0) has red > blue, blue (class 1) the reverse: the same side in both pictures
    disagree = [
        (p, q) for p, q in pairs if abs(q[0] - q[1]) > 40 and (p[0] > p[1]) != (q[0] > q[1])
    ]
    assert disagree == []
    assert any(q[0] > q[1] + 40 for _, q in pairs) and any(q[1] > q[0] + 40 for _, q in pairs)


def test_numbers_use_real_minus_signs_and_never_wrap(page, url):
    ready(page, url + "?weight=W1[1,1]")
    explained(page, "W1[1,1]")
    cells = page.locator("#explain-body td.num").all_inner_texts()
    assert cells and not [c for c in cells if "-" in c]  # "1.2e−13", never "1.2e-13"
    assert any("e−" in c for c in cells)  # the proof's tiny differences are in exponent form
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#explain-body td.num')).whiteSpace")
        == "nowrap"
    )


def test_the_legend_and_discretized_output(page, url):
    ready(page, url + "?discretize=1")
    assert page.is_checked("#discretize")
    ticks = page.locator("#legend .legend-ticks").first.all_inner_texts()[0]
    assert "ŷ = 0 (0)" in ticks and "ŷ = 1 (1)" in ticks
    colours = page.evaluate(
        """(() => { const m = playground.mapCanvas;
        const d = m.getContext('2d').getImageData(0, 0, m.width, m.height).data;
        const seen = new Set();
        for (let p = 0; p < d.length; p += 4) seen.add(d[p] + ',' + d[p+1] + ',' + d[p+2]);
        return [...seen]; })()"""
    )
    assert len(colours) == 2  # two sides, two colours
    page.uncheck("#discretize")
    until(page, "!playground.discretize")
    assert "discretize" not in page.url
    page.click("button[data-dataset='plane']")  # a regression dataset: the output follows
    until(page, "playground.session.data.task === 'regression'")
    assert page.input_value("#output") == "identity"
    ticks = page.locator("#legend .legend-ticks").first.all_inner_texts()[0]
    lo, hi = js(
        page, "[playground.snapshot.heatmaps.output.lo, playground.snapshot.heatmaps.output.hi]"
    )
    shown = [float(t.replace("−", "-")) for t in ticks.split("\n")]
    assert shown == pytest.approx([lo, (lo + hi) / 2, hi], rel=0.01, abs=0.01) and hi > lo


def test_inputs_l1_and_a_shared_link_reproduce_the_same_run(new_page, url):
    page = new_page()
    link = url + "?dataset=xor&seed=7&features=x1,x2,x1*x2&hidden=3,2&activation=relu"
    link += "&optimizer=rmsprop&lr=0.01&l1=0.002"
    ready(page, link)
    assert js(page, "playground.session.network.sizes") == [3, 3, 2, 1]
    assert page.locator("#diagram .input-name").all_text_contents() == ["x1", "x2", "x1*x2"]
    assert page.is_checked("[data-input='x1*x2']") and not page.is_checked("[data-input='x1^2']")
    page.check("[data-input='sin(x1)']")
    until(page, "playground.session.network.sizes[0] === 4")
    page.fill("#l1", "0.003")
    page.dispatch_event("#l1", "change")
    until(page, "playground.config.l1 === 0.003")
    for n in range(1, 6):
        page.click("#step")
        until(page, f"playground.snapshot.step === {n}")
    weights = js(page, "playground.snapshot.weights")
    shared = page.url
    for key in ("dataset=xor", "seed=7", "hidden=3,2", "activation=relu", "output=sigmoid",
                "optimizer=rmsprop", "features=x1,x2,x1*x2,sin(x1)", "l1=0.003"):  # fmt: skip
        assert key in shared, key
    other = new_page()
    ready(other, shared)
    for n in range(1, 6):
        other.click("#step")
        until(other, f"playground.snapshot.step === {n}")
    assert js(other, "playground.snapshot.weights") == weights  # the same run, bit for bit


# -- banners, counters, sessions, typed values -----------------------------------------------------
def test_reset_clears_the_divergence_banner_and_pause_zeroes_the_rate(page, url):
    ready(page, url + "?dataset=blobs&noise=3&output=identity&optimizer=sgd&lr=10")
    page.click("#play")
    until(page, "!document.querySelector('#error').hidden")
    assert "diverged" in page.inner_text("#error")
    until(page, "!playground.playing && !playground.looping")
    page.click("#reset")
    until(page, "playground.snapshot.step === 0")
    assert page.is_hidden("#error")
    page.fill("#lr", "0.01")
    page.dispatch_event("#lr", "change")
    until(page, "playground.config.lr === 0.01")
    page.click("#play")
    until(page, "playground.updates > 3 && document.querySelector('#rate').textContent !== '0'")
    page.click("#play")
    until(page, "!playground.playing && !playground.looping")
    assert page.inner_text("#rate") == "0" and js(page, "playground.rate") == 0


def test_a_lost_session_is_started_again_in_plain_words(page, url, store):
    ready(page, url)
    old = js(page, "playground.session.id")
    with store.lock:
        store.sessions.clear()  # what a restarted server has
    page.click("#step")
    until(page, f"playground.session && playground.session.id !== '{old}'")
    message = page.inner_text("#notice")
    assert "restarted" in message and "started again" in message
    assert "/api" not in message and "POST" not in message
    assert page.is_hidden("#error")
    page.click("#step")
    until(page, "playground.snapshot.step === 1")


def test_an_invalid_typed_value_does_not_stay_in_its_box(page, url):
    ready(page, url)
    for selector, bad, good in [
        ("#lr", "-3", "0.03"),
        ("#n_samples", "5", "200"),
        ("#l2", "", "0"),
    ]:
        page.fill(selector, bad)
        page.dispatch_event(selector, "change")
        until(page, "!document.querySelector('#error').hidden")
        assert page.input_value(selector) == good, selector
        assert "kept" in page.inner_text("#error")
        page.evaluate("document.querySelector('#error').hidden = true")
    assert js(page, "playground.config.lr") == 0.03


# -- uploads ---------------------------------------------------------------------------------------
def test_raw_penguins_with_the_target_picker_train_well_and_labels_stay_whole(page, url):
    ready(page, url)
    upload(page, DATA / "penguins_raw.csv")
    assert page.input_value("#target-column") == "year"  # the CLI's default: the last column
    options = page.locator("#target-column option").all_inner_texts()
    assert options[0] == "species" and len(options) == 8
    page.select_option("#target-column", "species")
    until(page, "playground.session.data.target_name === 'species'")
    assert page.input_value("#output") == "softmax"
    assert "regression" not in page.inner_text("#notice")
    assert page.is_checked("#standardize")  # standardised, as the CLI does
    names = page.locator("#diagram .input-name").all_text_contents()
    assert "bill_length_mm" in names and "flipper_length_mm" in names  # not cut to 6 characters
    page.click("#play")
    until(page, "playground.snapshot.step >= 300", timeout=40)
    page.click("#play")
    until(page, "!playground.playing && !playground.looping")
    assert js(page, "playground.snapshot.metrics.test_accuracy") >= 0.9


def test_a_three_class_upload_after_a_regression_one(page, url, tmp_path):
    ready(page, url)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("a,b,y\n" + "".join(f"{a},{b},{a + 2 * b}\n" for a, b in X))
    upload(page, numbers)
    until(page, "playground.session.data.task === 'regression'")
    assert page.input_value("#output") == "identity" and "regression" in page.inner_text("#notice")
    three = tmp_path / "three.csv"
    three.write_text(
        "a,b,kind\n" + "".join(f"{a},{b},{'pqr'[n % 3]}\n" for n, (a, b) in enumerate(X))
    )
    upload(page, three)
    until(page, "playground.session.data.task === 'multiclass'")
    assert page.input_value("#output") == "softmax"
    assert "regression" not in page.inner_text("#notice")
    assert "3 classes" in page.inner_text("#notice")


# -- a weight by hand, the audit -------------------------------------------------------------------
def test_set_a_weight_by_hand_and_audit_the_sessions_optimizer(page, url, store):
    ready(page, url + "?optimizer=adam&lr=0.05&weight=W2[3,2]")
    explained(page, "W2[3,2]")
    assert "One step of Adam (lr 0.05)" in page.inner_text("#explain-body")
    page.fill("#weight-value", "0.75")
    page.click("#set-weight button")
    until(page, "playground.snapshot.weights[1][2][1] === 0.75")
    until(page, "playground.explanation.explanation.weight.value === 0.75")
    session = store.get(js(page, "playground.session.id"))
    assert session.net.weight("W2[3,2]") == 0.75
    audit = js(page, "playground.explanation.audit")
    assert audit["optimizer"] == "adam" and audit["lr"] == 0.05 and audit["weight"] == 0.75
    shown = float(page.get_attribute("#audit tr[data-update]", "data-update"))
    assert shown == audit["update"] and shown != pytest.approx(audit["sgd_update"])
    ex = cr.explain(session.net, session.data.X_train, session.t_train, weight="W2[3,2]", lr=0.05)
    assert js(page, "playground.explanation.explanation.step.lr") == ex.step.lr == 0.05


# -- the cost of a frame ---------------------------------------------------------------------------
def test_a_frame_changes_the_dom_within_its_budget_on_a_6_by_16_net(page, url):
    ready(page, url + "?hidden=16,16,16,16,16,16&k=5")
    edges = page.locator("#diagram .edge").count()
    assert edges == 3 * 16 + 5 * 17 * 16 + 17
    page.evaluate(
        """(() => {
        window.__mutations = 0;
        window.__dataURLs = 0;
        const toDataURL = HTMLCanvasElement.prototype.toDataURL;
        HTMLCanvasElement.prototype.toDataURL = function (...a) {
          window.__dataURLs++;
          return toDataURL.apply(this, a);
        };
        new MutationObserver((records) => { window.__mutations += records.length; })
          .observe(document.body,
                   {subtree: true, attributes: true, childList: true, characterData: true});
        window.__frames0 = playground.frames; })()"""
    )
    page.click("#play")
    until(page, "playground.frames - window.__frames0 >= 12", timeout=40)
    page.click("#play")
    until(page, "!playground.playing && !playground.looping")
    frames = js(page, "playground.frames - window.__frames0")
    per_frame = js(page, "window.__mutations") / frames
    # at most one change per edge (its width, rarely its sign too) and a few counters: the maps
    # are painted into canvases that are never replaced
    assert per_frame <= edges + 40, (per_frame, edges)
    assert js(page, "window.__dataURLs") == 0
    assert page.locator("#diagram image").count() == 0
    assert page.locator("#diagram canvas.unit-map").count() == 6 * 16 + 1
    shot(page, "6x16")
