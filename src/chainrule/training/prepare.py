"""The data of one training run: checked, encoded, weighted and split once, before the loop.

:func:`prepare` turns what a user passes to ``fit`` into a :class:`TrainingData`: labels of any
kind mapped to class indices (``net.classes``), class and sample weights combined into one weight
per sample, a validation part split off (stratified for classes, by ``seed``) or taken as given,
and a :class:`~chainrule.data.Standardizer` fitted on the training part when asked. The training
loop (:mod:`chainrule.training.loop`) then only slices arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.data.labels import encode_labels
from chainrule.data.scaling import Standardizer
from chainrule.data.splits import train_test_split
from chainrule.data.tables import as_arrays
from chainrule.errors import DataError, TrainingError, ValidationSplitError
from chainrule.nn.protocol import Network


class TrainingData:
    """The data of one :func:`fit`, checked and converted once.

    ``X``, ``y`` (as the loss takes them) and ``w`` (the training samples' relative weights, or
    None when all are equal); ``X_val``, ``y_val``, ``w_val`` (weights of the mean, summing to
    1) or None; and the buffers the loop reuses, so that a batch allocates no arrays of its own.
    """

    def __init__(self, net: Network, X, y, w, X_val, y_val, w_val, batch_size: int) -> None:
        self.X, self.y, self.w = X, y, w
        self.X_val, self.y_val, self.w_val = X_val, y_val, w_val
        self.n_train = n = len(X)
        self.batch_size = b = min(batch_size, n)
        self.kind = net.task if net.task != "multilabel" else "binary"
        self.metric = "r2" if net.task == "regression" else "accuracy"
        self.out_buf = np.empty((n, net.n_outputs), dtype=net.dtype)
        self.wb_buf = np.empty(b, dtype=net.dtype)
        # one shuffled batch, gathered row by row (see chainrule.training.trainer.Trainer._batch)
        self.X_buf = np.empty((b, *X.shape[1:]), dtype=X.dtype)
        self.y_buf = np.empty((b, *y.shape[1:]), dtype=y.dtype)
        self.ws_buf = None if w is None else np.empty(b, dtype=w.dtype)
        last = n - (n - 1) // b * b
        self.w_full = np.full(b, 1.0 / b, dtype=net.dtype)
        self.w_last = np.full(last, 1.0 / last, dtype=net.dtype)


def _encode(y: np.ndarray, net: Network) -> tuple[np.ndarray, np.ndarray]:
    """(class indices, classes) for labels given to a network without classes."""
    try:
        indices, classes = encode_labels(y)
    except DataError as err:
        raise TrainingError(f"fit: {err}") from None
    k = 2 if net.task == "binary" else net.n_outputs
    if len(classes) == k:
        return indices, classes
    whole = y.dtype.kind in "iub" or (y.dtype.kind == "f" and bool(np.all(y == np.round(y))))
    if len(classes) < k and whole and classes.min() >= 0 and classes.max() < k:
        return y.astype(np.intp), np.arange(k).astype(y.dtype)  # indices already (a class absent)
    shown = ", ".join(map(str, classes[:8])) + (", …" if len(classes) > 8 else "")
    outputs = "one sigmoid output (2 classes)" if k == 2 else f"{k} softmax outputs"
    raise TrainingError(
        f"fit: y has {len(classes)} class{'es' if len(classes) != 1 else ''} ({shown}) but the "
        f"network has {outputs}; build it "
        "with one softmax output per class, or one sigmoid output for 2 classes"
    )


def _class_weights(class_weight: Any, labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """One weight per class index: "balanced" from the training labels, or a dict by label."""
    if isinstance(class_weight, str) and class_weight == "balanced":
        counts = np.bincount(labels, minlength=len(classes)).astype(np.float64)
        present = counts > 0  # n_samples / (n_classes · count_c), over the classes present
        return np.where(present, len(labels) / (present.sum() * np.maximum(counts, 1)), 0.0)
    if not isinstance(class_weight, dict):
        raise TrainingError(
            f"fit: class_weight must be None, 'balanced' or a dict label → weight; got "
            f"{class_weight!r}"
        )
    weights = np.ones(len(classes))
    for label, value in class_weight.items():
        match = [i for i, c in enumerate(classes.tolist()) if c == label]
        if not match:
            raise TrainingError(
                f"fit: class_weight has the key {label!r}, which is not a class; the classes "
                f"are {classes.tolist()} (use the labels as they are in y)"
            )
        ok = isinstance(value, int | float | np.number) and math.isfinite(value) and value >= 0
        if not ok or isinstance(value, bool):
            raise TrainingError(f"fit: class_weight[{label!r}] = {value!r}; must be a number ≥ 0")
        weights[match[0]] = value
    return weights


def _labels(task: str, y: np.ndarray) -> np.ndarray | None:
    """Class indices from checked targets (None unless binary or multi-class)."""
    if task == "multiclass":
        return y if y.ndim == 1 else y.argmax(axis=1)
    return y[:, 0].astype(np.intp) if task == "binary" else None


def _split(n: int, validation: Any, labels: Any, rng: np.random.Generator) -> Any:
    """(train, val) index arrays for a fraction, or None for no split."""
    if validation is None or (isinstance(validation, tuple | list) and len(validation) in (2, 3)):
        return None
    fraction = isinstance(validation, float | int | np.floating) and not isinstance(
        validation, bool
    )
    if not fraction:
        raise TrainingError(
            f"fit: validation must be a fraction in (0, 1), a tuple (X_val, y_val) or "
            f"(X_val, y_val, sample_weight_val), or None; got a {type(validation).__name__}"
        )
    if not 0 < validation < 1:
        raise TrainingError(
            f"fit: validation={validation!r}; give the fraction of the data to hold out, in "
            "(0, 1) (e.g. 0.2), a tuple (X_val, y_val), or None"
        )
    strat = labels is not None
    if strat and 0 < (counts := np.bincount(labels)).min(initial=n, where=counts > 0) < 2:
        raise ValidationSplitError(
            validation,
            "is split by class, so each class needs 2 samples or more, and one has only 1",
        )
    try:
        index = np.arange(n)
        train, val, _, _ = train_test_split(
            index, labels if strat else index, float(validation), stratify=strat, seed=rng
        )
    except DataError as err:
        raise ValidationSplitError(validation, f"of {n} samples: {err}") from None
    return np.sort(train), np.sort(val)


def _given_validation(net: Network, validation: Any, cw: np.ndarray | None) -> tuple[Any, Any, Any]:
    """(X_val, y_val, weights) from a given ``(X_val, y_val[, sample_weight_val])``, checked."""
    Xval, yval, *wval = validation
    yval = np.asarray(yval)
    if net.task in ("binary", "multiclass") and yval.ndim == 2 and yval.shape[1] == 1:
        yval = yval[:, 0]
    Xval, yval, wval = net.check_data(Xval, yval, *wval)
    if cw is not None:
        wval = wval * cw[_labels(net.task, yval)]
    return Xval, yval, wval


def _check_some_weight(w_train: np.ndarray, w_val: np.ndarray | None) -> None:
    for part, ws in (("training", w_train), ("validation", w_val)):
        if ws is not None and not ws.sum() > 0:
            raise TrainingError(
                f"fit: every {part} sample has weight 0 (sample_weight × class_weight); at "
                "least one must count"
            )


def prepare(
    net: Network,
    X: Any,
    y: Any,
    *,
    sample_weight: Any,
    class_weight: Any,
    validation: Any,
    standardize: bool,
    rng: np.random.Generator,
    batch_size: int,
) -> TrainingData:
    """Check and convert the data once; set ``net.classes`` and ``net.scaler`` where needed.

    On any error the network is left as it was. ``net.feature_names`` is set from a DataFrame's
    columns when the network has none.
    """
    X, y, names = as_arrays(X, y)
    classification = net.task in ("binary", "multiclass")
    if classification and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if class_weight is not None and not (classification and y.ndim == 1):
        raise TrainingError(
            f"fit: class_weight needs one class label per sample, y of shape (n_samples,), and "
            f"got y of shape {y.shape}; for one-hot rows pass y.argmax(axis=1)"
            if classification
            else "fit: class_weight is for classification (one sigmoid output, or softmax "
            f"outputs); this network's task is {net.task}"
        )
    saved = net.classes, net.scaler
    try:
        parts = _prepare(net, X, y, sample_weight, class_weight, validation, standardize, rng)
        data = TrainingData(net, *parts, batch_size)
    except BaseException:
        net.classes, net.scaler = saved
        raise
    if names is not None and net.feature_names is None:
        net.feature_names = names
    return data


def _prepare(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: Any,
    class_weight: Any,
    validation: Any,
    standardize: bool,
    rng: np.random.Generator,
) -> tuple[Any, ...]:
    """(X, y, w, X_val, y_val, w_val) for :class:`TrainingData`; may set classes and scaler."""
    classes = None
    if net.task in ("binary", "multiclass") and y.ndim == 1 and net.classes is None:
        y, classes = _encode(y, net)
    Xv, yv, w = net.check_data(X, y, sample_weight)
    if classes is not None:
        net.classes = classes  # validation labels are encoded with these
    labels = _labels(net.task, yv)
    split = _split(len(Xv), validation, labels, rng)
    train = slice(None) if split is None else split[0]
    if standardize and net.scaler is None:
        net.scaler = Standardizer().fit(Xv[train])  # on the training part only
        Xv = np.asarray(net.scaler.transform(Xv), dtype=net.dtype)
    cw = None
    if class_weight is not None:
        all_classes = np.asarray(net.classes) if net.classes is not None else np.arange(2)
        cw = _class_weights(class_weight, labels[train], all_classes).astype(w.dtype)
        w = w * cw[labels]
    if split is not None:
        Xval, yval, wval = Xv[split[1]], yv[split[1]], w[split[1]]
    elif validation is not None:
        Xval, yval, wval = _given_validation(net, validation, cw)
    else:
        Xval = yval = wval = None
    _check_some_weight(w[train], wval)
    weighted = sample_weight is not None or class_weight is not None
    w_val = None if wval is None else (wval / wval.sum()).astype(net.dtype)
    return Xv[train], yv[train], w[train] if weighted else None, Xval, yval, w_val
