"""The playground's state: a setup (:class:`Config`), its data, a network, an optimizer, a history.

Every number the page shows comes from chainrule's engine. One training step is::

    idx = next(batches)                                   # a shuffled minibatch of training rows
    E = net.train_step(*net.check_data(X_train[idx], t_train[idx]), WithL1(opt, l1))

``train_step`` sets each weight's ``.grad`` by backpropagation (the engine), ``WithL1`` adds the
L1 penalty's λ · sign(w) when λ > 0, and the session's optimizer steps.

the heatmaps are ``net.forward(grid, trace=True)`` on a grid over the data (its points made into
the setup's inputs, :mod:`~chainrule.playground.inputs`), and a weight's
derivation is :func:`chainrule.explain`'s JSON. The browser only draws. The exported script
(:mod:`chainrule.playground.export`) repeats this loop line for line, so with the same setup it
reaches the same weights, bit for bit.

One ``seed`` makes everything: the generated data, the train/test split, the initial weights and
the order of the minibatches. Changing any part of the setup starts a new session at step 0.
"""

from __future__ import annotations

import base64
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.data.scaling import Standardizer
from chainrule.errors import PredictionError
from chainrule.explain import explain
from chainrule.models import MLP
from chainrule.playground.audit import step_audit
from chainrule.playground.inputs import WithL1
from chainrule.playground.inputs import transform as transform_inputs
from chainrule.playground.limits import GRID, MAX_SESSIONS, MAX_UPLOADS, UNIT_GRID, check_session
from chainrule.playground.setup import (
    OUTPUTS,
    Config,
    ConfigError,
    Upload,
    batches,
    check_fit,
    make_data,
    n_outputs,
    targets,
)
from chainrule.training.optim import get_optimizer

MAX_STEPS = 500  # training steps per request
MAX_SECONDS = 2.0  # ... and at most about this long: a request stops early and says how far it got
MAX_HISTORY = 400  # points of the loss curves kept (older ones thinned by half)


# -- numbers for JSON ------------------------------------------------------------------------------
def finite(value: float) -> float | None:
    """A float for JSON, None where it is not finite (JSON has no NaN)."""
    v = float(value)
    return v if math.isfinite(v) else None


def matrix(W: np.ndarray) -> list[list[float | None]]:
    if np.isfinite(W).all():
        return W.tolist()
    return [[finite(v) for v in row] for row in W]


def heatmap(values: np.ndarray, lo: float, hi: float) -> dict[str, Any]:
    """A (size, size) map as bytes 0..255 over [lo, hi], base64: row 0 is the top (largest x₂)."""
    size = values.shape[0]
    span = hi - lo if hi > lo else 1.0
    q = np.nan_to_num((values - lo) / span, nan=0.5, posinf=1.0, neginf=0.0)
    q = np.clip(np.round(q * 255), 0, 255).astype(np.uint8)
    return {"size": size, "lo": lo, "hi": hi, "data": base64.b64encode(q.tobytes()).decode()}


def grid(extent: list[float], size: int) -> np.ndarray:
    """Cell centres of a size × size grid over extent [x0, x1, y0, y1], row 0 at the top."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(size) + 0.5) * (x1 - x0) / size
    ys = y1 - (np.arange(size) + 0.5) * (y1 - y0) / size
    gx, gy = np.meshgrid(xs, ys)
    return np.c_[gx.ravel(), gy.ravel()]


# -- the session -----------------------------------------------------------------------------------
class Session:
    """One setup being trained: its data, network, optimizer, minibatch order and loss history."""

    def __init__(self, config: Config, uploaded: Upload | None = None, sid: str = "") -> None:
        self.id = sid or secrets.token_urlsafe(9)
        self.upload = uploaded  # the uploaded CSV, for dataset "csv"
        self.upload_filename = None if uploaded is None else uploaded.filename
        self.config = config
        self.lock = threading.RLock()
        self.data = make_data(config, uploaded)
        check_fit(config, self.data)
        n_rows = len(self.data.X_train) + len(self.data.X_test)
        check_session(n_rows, self.data.n_features, n_outputs(config, self.data))
        self.t_train = targets(self.data.y_train, self.data, config.output)
        self.t_test = targets(self.data.y_test, self.data, config.output)
        raw = self.data.raw_train
        self.extent = self._extent() if raw is not None and raw.shape[1] == 2 else None
        self.edited: list[tuple[int, str, float]] = []  # (step, weight, value) set by hand
        self.reset()

    def _extent(self) -> list[float]:
        X = np.r_[self.data.raw_train, self.data.raw_test]
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        return [float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]),
                float(hi[1] + pad[1])]  # fmt: skip

    def reset(self) -> None:
        """New initial weights from the seed, a fresh optimizer, step 0."""
        c, data = self.config, self.data
        with self.lock:
            activation, loss = OUTPUTS[c.output]
            sizes = [data.n_features, *c.hidden, n_outputs(c, data)]
            net = MLP(sizes, hidden=c.activation, output=activation, loss=loss, seed=c.seed)
            if c.output != "identity":
                net.classes = data.dataset.classes
            if data.preprocessor is not None:  # it standardises (or not) and encodes
                net.preprocessor = data.preprocessor
            elif c.standardized:
                net.scaler = Standardizer().fit(data.X_train)
            net.feature_names = list(data.dataset.feature_names)
            net.target_name = data.dataset.target_name
            self.net = net
            self.opt = get_optimizer(c.optimizer, net.parameters(), lr=c.lr, weight_decay=c.l2)
            self.batch_size = min(c.batch_size, len(data.X_train))
            self._batches = batches(len(data.X_train), self.batch_size, c.seed)
            self.steps = 0
            self.stalled = False  # E became NaN or infinite: training cannot go on
            self.edited = []
            self.history: dict[str, list[Any]] = {"step": [], "train": [], "test": []}
            self._record()

    # -- training ----------------------------------------------------------------------------
    def train(self, steps: int) -> dict[str, Any]:
        """``steps`` minibatch steps by the engine (fewer if they pass :data:`MAX_SECONDS`, or
        once E stops being finite: ``train_step`` then keeps the last finite weights and the
        session is ``diverged``), then a snapshot of the result."""
        with self.lock, np.errstate(over="ignore", invalid="ignore"):  # divergence: see below
            net, opt = self.net, WithL1(self.opt, self.config.l1)
            deadline = time.monotonic() + MAX_SECONDS
            for _ in range(steps):
                if self.diverged or time.monotonic() > deadline:
                    break
                idx = next(self._batches)
                E = net.train_step(*net.check_data(self.data.X_train[idx], self.t_train[idx]), opt)
                if not math.isfinite(E):  # train_step leaves the last finite weights
                    self.stalled = True
                    break
                self.steps += 1
            self._record()
            return self.snapshot()

    def set_weight(self, weight: str, value: float) -> dict[str, Any]:
        """Set one weight by hand (``"W1[1,1]"``, 1-based, bias last row), then a snapshot."""
        with self.lock:
            self.net.set_weight(weight, value)
            self.edited.append((self.steps, weight, float(value)))
            for key in self.history:  # the newest point is now this weight's
                self.history[key].pop()
            self._record()
            return self.snapshot()

    @property
    def diverged(self) -> bool:
        """E stopped being finite, or a weight did."""
        return self.stalled or not all(np.isfinite(W).all() for W in self.net.weights)

    @property
    def epoch(self) -> float:
        per_epoch = math.ceil(len(self.data.X_train) / self.batch_size)
        return self.steps / per_epoch

    def _record(self) -> None:
        h = self.history
        if h["step"] and h["step"][-1] == self.steps:
            return
        with np.errstate(all="ignore"):
            h["step"].append(self.steps)
            h["train"].append(finite(self.net.error(self.data.X_train, self.t_train)))
            h["test"].append(finite(self.net.error(self.data.X_test, self.t_test)))
        if len(h["step"]) > MAX_HISTORY:  # thin the older half; the newest point always stays
            keep = [*range(0, len(h["step"]) - 1, 2), len(h["step"]) - 1]
            for key in h:
                h[key] = [h[key][i] for i in keep]

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float | None:
        """The share of samples whose predicted class is right (None for regression)."""
        if self.data.task == "regression":
            return None
        with np.errstate(all="ignore"):  # a diverged net's NaN outputs count as wrong
            yhat = self.net.forward(X, trace=True).yhat  # the trace keeps non-finite outputs
        pred = (yhat[:, 0] >= 0.5).astype(int) if yhat.shape[1] == 1 else yhat.argmax(axis=1)
        return float(np.mean(pred == y))

    # -- what the page draws -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The step, losses, accuracies, every weight, and the heatmaps (2-D data)."""
        with self.lock:
            d, h = self.data, self.history
            return {
                "step": self.steps,
                "epoch": self.epoch,
                "diverged": self.diverged,
                "metrics": {
                    "train_loss": h["train"][-1],
                    "test_loss": h["test"][-1],
                    "train_accuracy": self.accuracy(d.X_train, d.y_train),
                    "test_accuracy": self.accuracy(d.X_test, d.y_test),
                },
                "history": {key: list(values) for key, values in h.items()},
                "weights": [matrix(W) for W in self.net.weights],
                "heatmaps": self.heatmaps(),
            }

    def heatmaps(self) -> dict[str, Any] | None:
        """The decision map over the data and one map per unit (each layer's activation a)."""
        if self.extent is None:
            return None
        with np.errstate(all="ignore"):
            features = self.config.features
            big = transform_inputs(grid(self.extent, GRID), features)
            small = transform_inputs(grid(self.extent, UNIT_GRID), features)
            try:  # the plain forward: a quarter of the traced one's time on a 6 × 16 network
                yhat = self.net.forward(big)
            except PredictionError:  # not finite (a diverging run): the trace keeps it, drawn as is
                yhat = self.net.forward(big, trace=True).yhat
            trace = self.net.forward(small, trace=True)
        out = {"extent": self.extent, "output": self._decision(yhat.reshape(GRID, GRID, -1))}
        units = []
        for layer, a in zip(self.net.layers, trace.a, strict=True):
            maps = a.reshape(UNIT_GRID, UNIT_GRID, -1)
            units.append([_unit_map(maps[:, :, j], layer.activation) for j in range(a.shape[1])])
        out["units"] = units
        return out

    def _decision(self, yhat: np.ndarray) -> dict[str, Any]:
        task = self.data.task
        if yhat.shape[2] > 1:  # one output per class: the winner and how sure it is
            k = yhat.shape[2]
            cls = heatmap(yhat.argmax(axis=2).astype(float), 0, 255)
            conf = heatmap(yhat.max(axis=2), 1 / k if self.config.output == "softmax" else 0, 1)
            return {"kind": "classes", "n_classes": k, "class": cls, "confidence": conf}
        if task == "regression":
            y = self.data.dataset.y
            return {"kind": "value", **heatmap(yhat[:, :, 0], float(y.min()), float(y.max()))}
        return {"kind": "probability", **heatmap(yhat[:, :, 0], 0.0, 1.0)}

    def state(self) -> dict[str, Any]:
        """Everything the page needs after a (re)start: setup, data, network and a snapshot."""
        with self.lock:
            return {
                "id": self.id,
                "config": self.config.to_dict(),
                "data": self.describe_data(),
                "network": self.describe_network(),
                "snapshot": self.snapshot(),
            }

    def describe_data(self) -> dict[str, Any]:
        d = self.data
        ds = d.dataset
        out: dict[str, Any] = {
            "n_train": len(d.X_train),
            "n_test": len(d.X_test),
            "n_features": d.n_features,
            "task": d.task,
            "classes": None if ds.classes is None else [str(c) for c in ds.classes],
            "feature_names": list(ds.feature_names),
            "target_name": ds.target_name,
            "extent": self.extent,
            "points": None,
            "notes": list(d.notes),
        }
        if self.extent is not None and d.raw_train is not None and d.raw_test is not None:
            out["points"] = {
                "train": {"x": np.round(d.raw_train, 5).tolist(), "y": d.y_train.tolist()},
                "test": {"x": np.round(d.raw_test, 5).tolist(), "y": d.y_test.tolist()},
            }
        return out

    def describe_network(self) -> dict[str, Any]:
        net = self.net
        return {
            "sizes": net.sizes,
            "activations": net.activations,
            "loss": net.loss,
            "output": self.config.output,
            "standardized": net.scaler is not None
            or (net.preprocessor is not None and net.preprocessor.scale),
        }

    # -- the chain rule for one weight ----------------------------------------------------------
    def explain(self, weight: str, sample: int) -> dict[str, Any]:
        """:func:`chainrule.explain` of ``weight`` on training row ``sample``, as its JSON, with
        the session's learning rate, and ``audit``: one step of the session's own optimizer on
        that row (:func:`~chainrule.playground.audit.step_audit`)."""
        with self.lock, np.errstate(over="ignore", invalid="ignore"):
            X, t, lr = self.data.X_train, self.t_train, self.config.lr
            ex = explain(self.net, X, t, weight=weight, sample=sample, lr=lr)
            audit = step_audit(self.net, self.opt, self.config, X, t, weight, sample)
            return {"step": self.steps, "explanation": ex.to_dict(), "text": ex.to_text(),
                    "audit": audit}  # fmt: skip


@dataclass
class Store:
    """The server's sessions and uploads, the least recently used dropped past a bound."""

    max_sessions: int = MAX_SESSIONS
    max_uploads: int = MAX_UPLOADS
    sessions: OrderedDict[str, Session] = field(default_factory=OrderedDict)
    uploads: OrderedDict[str, Upload] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, config: Config) -> Session:
        uploaded = None
        if config.dataset == "csv":
            upload = self.upload(config.upload or "")
            if upload is None:
                raise ConfigError(
                    f"the uploaded file {config.upload!r} is not on this server (it keeps the "
                    f"last {self.max_uploads} uploads while it runs); upload the CSV again",
                    "upload",
                )
            uploaded = upload
        session = Session(config, uploaded)
        with self.lock:
            self.sessions[session.id] = session
            while len(self.sessions) > self.max_sessions:
                self.sessions.popitem(last=False)
        return session

    def get(self, sid: str) -> Session | None:
        with self.lock:
            session = self.sessions.get(sid)
            if session is not None:
                self.sessions.move_to_end(sid)
            return session

    def delete(self, sid: str) -> bool:
        with self.lock:
            return self.sessions.pop(sid, None) is not None

    def add_upload(self, upload: Upload) -> None:
        with self.lock:
            self.uploads[upload.id] = upload
            self.uploads.move_to_end(upload.id)
            while len(self.uploads) > self.max_uploads:
                self.uploads.popitem(last=False)

    def upload(self, uid: str) -> Upload | None:
        with self.lock:
            return self.uploads.get(uid)


def _unit_map(a: np.ndarray, activation: str) -> dict[str, Any]:
    if activation in ("sigmoid", "softmax"):
        return heatmap(a, 0.0, 1.0)
    if activation == "tanh":
        return heatmap(a, -1.0, 1.0)
    with np.errstate(all="ignore"):
        m = float(np.nanmax(np.abs(a))) if np.isfinite(a).any() else 1.0
    m = m if math.isfinite(m) and m > 0 else 1.0
    return heatmap(a, -m, m)
