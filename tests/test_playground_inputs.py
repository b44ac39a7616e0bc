"""The playground's server side of round 2: inputs made from x1, x2, L1, the regression datasets,
weights set by hand, the target column's choices, and the one-step audit by the session's own
optimizer (compared with ``net.train_step`` and ``net.step`` on the same batch)."""

from __future__ import annotations

import copy
import runpy

import numpy as np
import pytest

pytest.importorskip("starlette")

import chainrule as cr
from chainrule.playground.inputs import regression_dataset, transform
from chainrule.playground.session import Session
from chainrule.playground.setup import Config, ConfigError
from playground_client import client_fixture, start  # noqa: F401  (the fixture client)


# -- inputs ---------------------------------------------------------------------------------------
def test_the_inputs_are_made_from_x1_and_x2():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    Z = transform(X, ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"))
    # row 0: x1 = 1, x2 = 2 → 1, 2, 1, 4, 2, sin 1, sin 2
    np.testing.assert_array_equal(Z[0], [1.0, 2.0, 1.0, 4.0, 2.0, np.sin(1.0), np.sin(2.0)])
    np.testing.assert_array_equal(Z[1, 4], -1.5)


def test_a_session_trains_on_the_chosen_inputs_and_draws_in_x1_x2(client):
    s = start(client, features=["x1*x2", "x1"])  # any order: kept in the inputs' order
    assert s["config"]["features"] == ["x1", "x1*x2"]
    assert s["network"]["sizes"][0] == 2 and s["data"]["feature_names"] == ["x1", "x1*x2"]
    session = client.app.state.store.get(s["id"])
    raw = session.data.raw_train
    np.testing.assert_array_equal(session.data.X_train[:, 1], raw[:, 0] * raw[:, 1])
    np.testing.assert_array_equal(np.array(s["data"]["points"]["train"]["x"]), np.round(raw, 5))
    assert s["snapshot"]["heatmaps"]["output"]["size"] == 64
    r = client.post("/api/sessions", json={"features": ["x3"]})
    assert r.status_code == 422 and r.json()["field"] == "features" and "x1^2" in r.json()["error"]
    r = client.post("/api/sessions", json={"features": []})
    assert r.status_code == 422 and r.json()["field"] == "features"


def test_the_regression_datasets():
    ds = regression_dataset("plane", n=300, noise=0.0, seed=3)
    assert ds.task == "regression" and ds.X.shape == (300, 2)
    np.testing.assert_allclose(ds.y, (ds.X[:, 0] + ds.X[:, 1]) / 12)
    g = regression_dataset("gaussian", n=300, noise=0.0, seed=3)
    assert g.y.max() <= 1 and g.y.min() >= -1 and g.y.max() > 0.5 and g.y.min() < -0.5
    with pytest.raises(ConfigError, match=r"sigmoid .* numbers"):
        Session(Config(dataset="plane"))
    s = Session(Config(dataset="gaussian", output="identity", hidden=(8, 8), lr=0.03))
    first = s.snapshot()["metrics"]["train_loss"]
    s.train(400)
    assert s.snapshot()["metrics"]["train_loss"] < 0.5 * first


# -- L1 -------------------------------------------------------------------------------------------
def test_l1_adds_lambda_sign_w_to_every_gradient_but_the_biases():
    c = Config(optimizer="sgd", lr=0.1, l1=0.05, batch_size=200)  # one batch: every row
    s, plain = Session(c), Session(Config(optimizer="sgd", lr=0.1, batch_size=200))
    W0 = [W.copy() for W in s.net.weights]
    grads = s.net.gradients(s.data.X_train[np.arange(100)], s.t_train)
    s.train(1)
    plain.train(1)
    for W, W_before, g in zip(s.net.weights, W0, grads, strict=True):
        expected = W_before - 0.1 * g
        expected[:-1] -= 0.1 * 0.05 * np.sign(W_before[:-1])  # the bias row has no penalty
        np.testing.assert_allclose(W, expected, rtol=0, atol=1e-12)
    assert not np.array_equal(s.net.weights[0], plain.net.weights[0])


@pytest.mark.parametrize(
    "config",
    [
        {"features": ["x1", "x2", "x1*x2", "sin(x1)"], "l1": 0.01, "optimizer": "adam"},
        {"dataset": "plane", "output": "identity", "l1": 0.001, "optimizer": "rmsprop"},
    ],
)
def test_the_exported_script_repeats_inputs_l1_and_the_new_datasets(client, tmp_path, config):
    s = start(client, **config)
    snap = client.post(f"/api/sessions/{s['id']}/step", json={"steps": 25}).json()
    path = tmp_path / "train.py"
    path.write_text(client.get(f"/api/sessions/{s['id']}/export/script").text)
    net = runpy.run_path(str(path), run_name="playground_script")["main"](25, verbose=False)
    for W, page in zip(net.weights, snap["weights"], strict=True):
        np.testing.assert_array_equal(W, np.array(page))  # bit for bit


# -- a weight set by hand -------------------------------------------------------------------------
def test_a_weight_can_be_set_by_hand(client):
    s = start(client)
    base = f"/api/sessions/{s['id']}"
    snap = client.post(f"{base}/weight", json={"weight": "W2[5,3]", "value": -1.25}).json()
    assert snap["weights"][1][4][2] == -1.25
    session = client.app.state.store.get(s["id"])
    assert session.net.weight("W2[5,3]") == -1.25
    assert snap["metrics"]["train_loss"] == session.net.error(session.data.X_train, session.t_train)
    for body, field in [
        ({"weight": "W9[1,1]", "value": 1}, "weight"),
        ({"weight": "W1[1,1]", "value": 1e9}, "value"),
        ({"weight": "W1[1,1]", "value": True}, "value"),
        ({"weight": "W1[1,1]"}, "weight"),
    ]:
        r = client.post(f"{base}/weight", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.text)
    script = client.get(f"{base}/export/script").text
    assert "set by hand" in script and "W2[5,3]" in script


# -- the one-step audit ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "optimizer, lr, l2", [("adam", 0.05, 0.0), ("rmsprop", 0.01, 0.001), ("sgd", 0.2, 0.0)]
)
def test_the_audit_is_the_sessions_optimizer_step(client, optimizer, lr, l2):
    s = start(client, optimizer=optimizer, lr=lr, l2=l2)
    base = f"/api/sessions/{s['id']}"
    client.post(f"{base}/step", json={"steps": 7})
    session = client.app.state.store.get(s["id"])
    before = [W.copy() for W in session.net.weights]
    state = session.opt.state_dict()
    audit = client.get(f"{base}/explain", params={"weight": "W1[2,3]", "sample": 4}).json()["audit"]
    # the session is untouched by the audit: same weights, same optimizer state
    for W, W0 in zip(session.net.weights, before, strict=True):
        np.testing.assert_array_equal(W, W0)
    assert session.opt.state_dict()["step"].tolist() == state["step"].tolist()
    assert audit["optimizer"] == optimizer and audit["lr"] == lr and audit["optimizer_steps"] == 7

    # the same step by hand: a copy of the network and of the optimizer (its state after 7 steps)
    net = copy.deepcopy(session.net)
    opt = cr.optim.get_optimizer(optimizer, net.parameters(), lr=lr, weight_decay=l2)
    opt.load_state_dict(state)
    x, t = session.data.X_train[4:5], session.t_train[4:5]
    net.train_step(*net.check_data(x, t), opt)
    same = {"rel": 1e-12, "abs": 1e-15}  # a copy's arrays may sum in another order: an ulp or two
    assert audit["new_weight"] == pytest.approx(net.weight("W1[2,3]"), **same)
    assert audit["update"] == pytest.approx(net.weight("W1[2,3]") - before[0][1, 2], **same)
    assert audit["error_after"] == pytest.approx(net.error(x, t), **same)
    if optimizer == "sgd":  # plain SGD: net.step(x, t, lr) is the same update
        sgd = copy.deepcopy(session.net)
        sgd.step(x, t, lr=lr)
        assert audit["new_weight"] == pytest.approx(sgd.weight("W1[2,3]"), abs=1e-15)
        assert audit["update"] == pytest.approx(audit["sgd_update"], abs=1e-15)
    else:
        assert audit["update"] != pytest.approx(audit["sgd_update"])


def test_the_upload_lists_every_column_for_the_target_picker(client):
    text = b"species,bill,flipper,year\nA,1,2,2007\nB,2,3,2008\nA,1.5,2,2007\nB,2.5,3,2009\n"
    r = client.post("/api/uploads?filename=p.csv&target=species", content=text,
                    headers={"Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["columns"] == ["species", "bill", "flipper", "year"]
    assert info["target_name"] == "species" and info["feature_names"] == ["bill", "flipper", "year"]
