"""Where the minibatches of a streamed, distributed or checkpointed run come from.

A source gives the *global* minibatches of an epoch, (X_B, y_B, s_B) with s_B the samples'
relative weights or None, in an order that is a function of (seed, epoch) alone: so every rank
of a distributed run sees the same batches, and a resumed run can skip the batches done.

* :class:`ArraySource`: arrays in memory (what :func:`~chainrule.training.prepare.prepare` made
  of fit's X and y), permuted by ``numpy.random.default_rng([seed, epoch])``.
* :class:`StreamSource`: a :class:`~chainrule.data.Stream` (chunks, a shuffle buffer).
* :class:`IterableSource`: the user's iterable of (X, y) or (X, y, sample_weight) batches, made
  again each epoch (a list, or a callable returning an iterator).

:func:`score_sums` and :func:`score_value` are the epoch's metric as sums over batches (and over
ranks): accuracy as (right, count); R² from n, Σy, Σy² and Σ(ŷ − y)² per output.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from chainrule.data.stream import Stream
from chainrule.errors import TrainingError
from chainrule.nn.protocol import Network

__all__ = ["ArraySource", "IterableSource", "StreamSource", "score_sums", "score_value"]

Batch = tuple[np.ndarray, np.ndarray, np.ndarray | None]


class ArraySource:
    """Minibatches of arrays already checked by ``net.check_data``; w: relative weights or None."""

    def __init__(self, X: Any, y: Any, w: Any, batch_size: int, seed: int, shuffle: bool) -> None:
        self.X, self.y, self.w = X, y, w
        self.n_rows = len(X)
        self.batch_size = min(batch_size, self.n_rows)
        self.seed, self.shuffle = seed, shuffle

    def batches(self, epoch: int, skip: int = 0) -> Iterator[Batch]:
        n, b = self.n_rows, self.batch_size
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        for s in range(skip * b, n, b):
            idx = order[s : s + b]
            yield self.X[idx], self.y[idx], None if self.w is None else self.w[idx]


class StreamSource:
    """The batches of a :class:`~chainrule.data.Stream`, checked by the network's own checks."""

    def __init__(self, net: Network, stream: Stream) -> None:
        self.net, self.stream = net, stream.fit()
        self.batch_size = stream.batch_size
        self.n_rows = stream.n_rows or None
        self.scale = stream.target_mean, stream.target_scale

    @property
    def seed(self) -> int:
        """The stream's shuffling seed (a checkpoint keeps it)."""
        return int(self.stream.seed)

    @seed.setter
    def seed(self, value: int) -> None:
        self.stream.seed = value

    def batches(self, epoch: int, skip: int = 0) -> Iterator[Batch]:
        classes, (mean, scale) = self.stream.classes, self.scale
        for X, y in self.stream.batches(epoch, skip):
            labels = (y - mean) / scale if classes is None else classes[y]
            Xv, yv, _ = self.net.check_data(X, labels)
            yield Xv, yv, None


class IterableSource:
    """The user's batches: an iterable made again each epoch, or a callable returning one."""

    def __init__(self, net: Network, batches: Any, epochs: int) -> None:
        self.net, self.make = net, batches
        one_shot = not callable(batches) and iter(batches) is batches
        if one_shot and epochs > 1:
            raise TrainingError(
                f"fit: an iterator of batches can be read once, but epochs={epochs}; pass a list, "
                "a re-iterable object, or a function that returns a fresh iterator each epoch"
            )
        self.n_rows, self.batch_size = None, 0

    def batches(self, epoch: int, skip: int = 0) -> Iterator[Batch]:
        it = self.make() if callable(self.make) else iter(self.make)
        for k, batch in enumerate(it):
            if not isinstance(batch, tuple | list) or len(batch) not in (2, 3):
                raise TrainingError(
                    f"fit: batch {k + 1} of epoch {epoch} is a {type(batch).__name__}; each batch "
                    "must be a tuple (X, y) or (X, y, sample_weight)"
                )
            if k < skip:
                continue
            Xv, yv, _ = self.net.check_data(batch[0], batch[1])
            self.batch_size = max(self.batch_size, len(Xv))
            yield Xv, yv, None if len(batch) == 2 else np.asarray(batch[2], dtype=np.float64)


def make_source(net: Network, X: Any, epochs: int) -> StreamSource | IterableSource:
    """The source for fit's X when it is a Stream or an iterable of batches (y None)."""
    if isinstance(X, Stream):
        stream = X.fit()
        if net.classes is None and stream.classes is not None:
            net.classes = stream.classes
        elif stream.classes is not None and list(net.classes) != list(stream.classes):
            raise TrainingError(
                f"fit: the network's classes {list(net.classes)} differ from the stream's "
                f"{list(stream.classes)}"
            )
        if net.preprocessor is None:
            net.preprocessor = stream.preprocessor
        if net.n_features != stream.n_features:
            raise TrainingError(
                f"fit: the stream gives {stream.n_features} inputs ({stream.feature_names[:5]}…) "
                f"but the network takes {net.n_features}; build it with sizes "
                f"[stream.n_features, …]"
            )
        return StreamSource(net, stream)
    if isinstance(X, np.ndarray | str | bytes) or not (callable(X) or hasattr(X, "__iter__")):
        raise TrainingError(
            f"fit: y is None, so X must be a cr.data.Stream or an iterable of (X, y) batches; "
            f"got a {type(X).__name__}"
        )
    return IterableSource(net, X, epochs)


# -- the metric, as sums --------------------------------------------------------------------------
def score_sums(kind: str, out: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The metric's sums over a batch: accuracy (right, count); R² (n, Σy, Σy², Σ(ŷ−y)²)."""
    if kind == "regression":
        y2 = y.reshape(len(y), -1)
        res = out.reshape(len(y), -1) - y2
        return np.concatenate([[len(y)], y2.sum(0), (y2 * y2).sum(0), (res * res).sum(0)])
    if kind == "multiclass":
        right = out.argmax(axis=1) == (y if y.ndim == 1 else y.argmax(axis=1))
    else:  # sigmoid outputs: σ(h) ≥ ½ exactly when h ≥ 0
        right = ((out >= 0) == (y >= 0.5)).all(axis=1)
    return np.array([right.sum(), len(right)], dtype=np.float64)


def score_value(kind: str, sums: np.ndarray) -> float:
    """Accuracy, or R² = 1 − Σ(ŷ−y)² / (Σy² − (Σy)²/n) averaged over the outputs."""
    if kind != "regression":
        return float(sums[0] / max(sums[1], 1.0))
    n, rest = sums[0], sums[1:].reshape(3, -1)
    ss_tot = np.maximum(rest[1] - rest[0] ** 2 / max(n, 1.0), 0.0)
    some = ss_tot > 1e-12 * np.maximum(rest[1], 1.0)
    r2 = np.where(some, 1 - rest[2] / np.where(some, ss_tot, 1), np.where(rest[2] == 0, 1.0, 0))
    return float(r2.mean())


def score_width(kind: str, n_outputs: int) -> int:
    return 1 + 3 * n_outputs if kind == "regression" else 2
