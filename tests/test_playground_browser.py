"""The playground in a real browser: Playwright drives headless Chromium (Debian's chromium).

It starts the server on a free port, presses play and checks the loss falls, clicks a weight and
reads its derivation (the same numbers as cr.explain), changes the network, follows a shared link,
uploads good and bad CSV files, and keeps screenshots in test-artifacts/. Skipped when Playwright
or /usr/bin/chromium is missing (scripts/install-browser.sh installs Debian's chromium). The
fixtures are tests/browser.py's.
"""

from __future__ import annotations

import json

import pytest

import chainrule as cr
from browser import (  # noqa: F401  (the fixtures store, url, browser, new_page, page)
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


def click_edge(page, weight):
    p = midpoint(page, weight)
    page.mouse.click(p["x"], p["y"])
    return explained(page, weight)


def test_play_watch_the_loss_fall_and_explain_a_weight(page, url, store):
    ready(page, url)
    assert js(page, "playground.session.network.sizes") == [2, 4, 4, 1]
    assert page.locator("#diagram .edge").count() == 3 * 4 + 5 * 4 + 5 * 1
    first_loss = js(page, "playground.snapshot.metrics.train_loss")
    shot(page, "start")

    # play until 100 steps have been drawn (the speed is measured by
    # benchmarks/bench_playground.py, not here)
    page.click("#play")
    until(page, "playground.snapshot.step >= 150")
    page.click("#play")
    until(page, "!playground.playing && !playground.looping")
    assert js(page, "playground.frames") >= 2 and js(page, "playground.updates") >= 2

    step = int(page.inner_text("#step-count"))
    last_loss = js(page, "playground.snapshot.metrics.train_loss")
    assert step >= 100 and last_loss < 0.7 * first_loss
    assert float(page.inner_text("#train-loss")) == pytest.approx(last_loss, rel=1e-3)
    history = js(page, "playground.snapshot.history.train")
    assert history[0] == first_loss and history[-1] == last_loss

    # one step, then click a weight: its chain rule, from the explainer, with its path lit up
    page.click("#step")
    until(page, f"playground.snapshot.step === {step + 1}")
    assert click_edge(page, "W1[1,1]").startswith("∂E/∂W₁₁⁽¹⁾")
    assert "Proven" in page.inner_text("#verdict")
    shown = float(page.get_attribute("#explain-value", "data-value"))
    session = store.get(js(page, "playground.session.id"))
    X, t = session.data.X_train, session.t_train
    ex = cr.explain(session.net, X, t, weight="W1[1,1]", sample=0, lr=session.config.lr)
    assert shown == ex.value  # the very number the explainer computes
    rows = page.locator("#factors tbody tr[data-value]")
    assert [float(v) for v in rows.evaluate_all("rs => rs.map(r => r.dataset.value)")] == [
        f.value for f in ex.factors
    ]
    assert page.text_content("#explain-text") == ex.to_text()
    assert page.inner_text("#cli-command") == (
        "chainrule explain playground.chainrule --data playground-train.csv "
        "--weight 'W1[1,1]' --row 0 --lr 0.03"
    )
    assert page.locator("#diagram .edge.selected").get_attribute("data-weight") == "W1[1,1]"
    assert page.locator("#diagram .edge.on-path").count() == 1 + 4 + 4  # x₁→h₁, then its paths
    assert "weight=W1[1,1]" in page.url and "sample=0" in page.url
    shot(page, "explain")

    # another training sample: click its point on the map
    page.fill("#sample", "5")
    page.dispatch_event("#sample", "change")
    until(page, "playground.explanation.explanation.samples[0].index === 5")
    assert "Training sample 5" in page.inner_text("#explain-body")

    # reset: step 0, the seed's initial weights again
    page.click("#reset")
    until(page, "playground.snapshot.step === 0")
    assert js(page, "playground.snapshot.metrics.train_loss") == first_loss
    until(page, "playground.explanation && playground.explanation.step === 0")
    assert page.errors == []


def test_network_controls_url_and_exports(page, url):
    ready(page, url)
    page.click("#add-layer")
    until(page, "playground.session.network.sizes.length === 5")
    page.locator(".add-unit[data-layer='1']").click()
    until(page, "playground.session.network.sizes[1] === 5")
    page.select_option("#activation", "relu")
    until(page, "playground.session.network.activations[0] === 'relu'")
    assert js(page, "playground.session.network.sizes") == [2, 5, 4, 4, 1]

    # three spiral arms: the page switches the output to softmax + cross-entropy
    page.click("button[data-dataset='spiral']")
    until(page, "playground.config.dataset === 'spiral'")
    page.fill("#n_classes", "3")
    page.dispatch_event("#n_classes", "change")
    until(page, "playground.session.network.loss === 'cross_entropy'")
    assert page.input_value("#output") == "softmax"
    assert "softmax + cross-entropy" in page.inner_text("#notice")
    for key, value in [("#optimizer", "sgd")]:
        page.select_option(key, value)
    page.fill("#lr", "0.3")
    page.dispatch_event("#lr", "change")
    until(page, "playground.config.lr === 0.3 && playground.config.optimizer === 'sgd'")
    page.click("#step")
    until(page, "playground.snapshot.step === 1")
    click_edge(page, "W2[6,3]")  # a bias, into a unit
    shot(page, "spiral")

    # the link reproduces the setup and the open explanation
    link = page.url
    config = js(page, "playground.config")
    other = page.context.new_page()
    ready(other, link)
    assert js(other, "playground.config") == config
    other.wait_for_selector("#verdict")
    assert other.inner_text("#explain-title").endswith("(W2[6,3])")
    other.close()

    # exports
    sid = js(page, "playground.session.id")
    script = page.request.get(js(page, "document.querySelector('#export-script').href")).text()
    assert "cr.load_dataset('spiral', n=200, n_classes=3" in script
    model = page.request.get(f"{url}api/sessions/{sid}/export/model")
    assert model.ok and model.body()[:2] == b"PK"  # an npz archive
    weights = json.loads(
        page.request.get(js(page, "document.querySelector('#export-weights').href")).text()
    )
    assert weights["network"]["sizes"] == [2, 5, 4, 4, 3]

    # a bad link: the page says what is wrong and shows the default setup
    ready(page, url + "?dataset=moons&lr=-3")
    assert "lr must be between" in page.inner_text("#error")
    assert js(page, "playground.config.lr") == 0.03
    assert page.errors == [] or all("422" in e for e in page.errors)


def test_upload_csv_files(page, url, tmp_path):
    ready(page, url)
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b,label\n1,2,x\n3,oops,y\n4,5,x\n6,7,y\n")
    page.set_input_files("#upload", str(bad))
    until(page, "document.querySelector('#upload-status').className.includes('error')")
    message = page.inner_text("#upload-status")
    assert "broken.csv, line 3" in message and "'b'" in message, message
    shot(page, "upload-error")

    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b,y\n" + b"1.0,2.0,0\n" * 110_000)
    page.set_input_files("#upload", str(big))
    until(page, "document.querySelector('#upload-status').textContent.includes('limit')")

    good = tmp_path / "rings.csv"
    X, y = cr.make_circles(120, noise=0.05, seed=2)
    names = ["inner" if label else "outer" for label in y]
    rows = "".join(f"{a},{b},{n}\n" for (a, b), n in zip(X.tolist(), names, strict=True))
    good.write_text("u,v,ring\n" + rows)
    page.set_input_files("#upload", str(good))
    until(page, "playground.config.dataset === 'csv'")
    assert "rings.csv: 120 samples × 2 features (binary, 2 classes)" in page.inner_text(
        "#upload-status"
    )
    assert js(page, "playground.session.data.classes") == ["inner", "outer"]
    page.click("#play")
    until(page, "playground.snapshot.step >= 100")
    page.click("#play")
    until(page, "!playground.playing && !playground.looping")
    assert "upload=" in page.url
    shot(page, "upload")
    assert page.errors == [] or all("400" in e or "413" in e for e in page.errors)
