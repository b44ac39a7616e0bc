"""Pictures of training: the loss curve and a 2-D decision boundary, written as PNG files.

matplotlib is imported only when a picture is drawn (``pip install 'chainrule[cli]'``), and only
its object-oriented API with the Agg canvas is used: nothing here opens a window, needs a display,
or changes pyplot's global state, so it is safe on servers and inside notebooks.

Example:
    >>> plots.loss_curve(net.history, "loss.png")
    >>> plots.decision_boundary(net, X, y, "boundary.png")     # X with two features
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.io.atomic import atomic_write
from chainrule.nn.protocol import Network

__all__ = ["decision_boundary", "loss_curve"]


def _figure(width: float = 6.4, height: float = 4.4) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "drawing plots needs matplotlib: pip install 'chainrule[cli]' (or matplotlib)"
        ) from err
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _series(history: Any, key: str) -> list[float]:
    """``history.<key>`` or ``history[key]`` (a History or a model file's dict), NaN for None."""
    if isinstance(history, dict):
        values = history.get(key) or history.get("metrics", {}).get(key) or []
    else:
        values = getattr(history, key, None) or getattr(history, "metrics", {}).get(key) or []
    return [np.nan if v is None else float(v) for v in values]


def loss_curve(history: Any, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Plot the training (and validation) loss per epoch and save it as a PNG.

    Args:
        history: what ``fit`` returned (a :class:`~chainrule.train.History`) or its dict.
        path: the PNG file to write.
        title: shown above the plot.

    Marks the best epoch when the history has one. Returns the path written.
    """
    loss, val_loss = _series(history, "loss"), _series(history, "val_loss")
    fig = _figure()
    ax = fig.add_subplot()
    epochs = np.arange(1, len(loss) + 1)
    ax.plot(epochs, loss, label="training loss", color="tab:blue")
    if val_loss:
        ax.plot(
            np.arange(1, len(val_loss) + 1), val_loss, label="validation loss", color="tab:orange"
        )
    best = history.get("best_epoch") if isinstance(history, dict) else history.best_epoch
    if best:
        ax.axvline(best, color="gray", linestyle=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss E")
    positive = [v for v in loss + val_loss if np.isfinite(v)]
    if positive and min(positive) > 0 and max(positive) / min(positive) > 50:
        ax.set_yscale("log")
    ax.set_title(title or "loss per epoch")
    ax.grid(alpha=0.3)
    ax.legend()
    path = Path(path)
    atomic_write(path, lambda f: fig.savefig(f, format="png"), "the plot")
    return path


def decision_boundary(
    net: Network,
    X: Any,
    y: Any,
    path: str | os.PathLike[str],
    title: str | None = None,
    resolution: int = 200,
) -> Path:
    """Colour the plane by the class the network predicts, with the samples on top.

    Args:
        net: a classification network with 2 inputs (its scaler, if any, is applied).
        X: (n_samples, 2) raw inputs; y: their labels (as ``net.predict`` returns them).
        path: the PNG file to write.
        resolution: grid points per axis.

    Returns the path written.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have 2 features, got shape {X.shape}")
    y = np.asarray(y)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    g0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)
    grid = np.c_[G0.ravel(), G1.ravel()]
    classes = net.classes if net.classes is not None else np.unique(y)
    index = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    predicted = net.predict(grid)
    Z = np.array([index.get(v, -1) for v in np.asarray(predicted).tolist()]).reshape(G0.shape)
    fig = _figure(5.6, 5.0)
    ax = fig.add_subplot()
    k = len(classes)
    levels = np.arange(-0.5, k)
    ax.contourf(G0, G1, Z, levels=levels, cmap="tab10", vmin=-0.5, vmax=9.5, alpha=0.3)
    ax.contour(G0, G1, Z, levels=levels[1:-1], colors="k", linewidths=0.6)
    colours = np.array([index.get(v, -1) for v in y.tolist()])
    for c, label in enumerate(np.asarray(classes).tolist()):
        mask = colours == c
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=12,
            color=f"C{c}",
            edgecolors="k",
            linewidths=0.3,
            label=str(label),
        )
    names = net.feature_names or ["x1", "x2"]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title or "decision boundary")
    ax.legend(loc="best", fontsize="small")
    path = Path(path)
    atomic_write(path, lambda f: fig.savefig(f, format="png"), "the plot")
    return path
