"""What a dataset is, and the datasets that ship with chainrule.

A :class:`Dataset` holds ``X`` (n_samples, n_features) as float64, ``y``, the column names and the
task. For classification ``y`` holds class indices 0..k−1 and ``classes[y]`` gives the original
labels back; for regression ``y`` is float64 and ``classes`` is None::

    ds = load_dataset("breast_cancer")             # 569 × 30; classes: malignant, benign
    X, y = make_moons(200, noise=0.1, seed=0)      # a 2-D toy problem, made from a seed

Nothing is downloaded: breast_cancer, digits, iris, wine and diabetes are read from the copies
bundled inside scikit-learn (``pip install 'chainrule[sklearn]'``); moons, circles, xor, spiral and
blobs are made here with NumPy. Your own files and arrays: :mod:`chainrule.data.tables`; labels
and tasks: :mod:`chainrule.data.labels`; the train/test split: :mod:`chainrule.data.splits`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.data.checks import all_finite
from chainrule.data.labels import TASKS, check_task, encode_labels
from chainrule.errors import DataError

__all__ = [
    "DATASETS",
    "Dataset",
    "load_dataset",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
]

# name: (scikit-learn loader, its keyword arguments, target name, task)
_SKLEARN = {
    "breast_cancer": ("load_breast_cancer", {}, "diagnosis", "binary"),
    "digits": ("load_digits", {}, "digit", "multiclass"),
    "iris": ("load_iris", {}, "species", "multiclass"),
    "wine": ("load_wine", {}, "cultivar", "multiclass"),
    "diabetes": ("load_diabetes", {"scaled": False}, "progression", "regression"),
}
_GENERATED = ("moons", "circles", "xor", "spiral", "blobs")
DATASETS = (*_SKLEARN, *_GENERATED)


# ---------------------------------------------------------------- the dataset


@dataclass(repr=False, eq=False)
class Dataset:
    """Features, target and what they mean.

    Attributes:
        X: float64 array (n_samples, n_features).
        y: for classification, int64 class indices (n_samples,) into ``classes``; for regression,
            float64 values (n_samples,).
        feature_names: one name per column of X.
        target_name: the name of the target column.
        classes: the original labels, ``classes[y]``; None for regression.
        task: "binary", "multiclass" or "regression".
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    classes: np.ndarray | None
    task: str

    def __post_init__(self):
        n, d = self.X.shape
        if self.y.shape != (n,) or len(self.feature_names) != d or self.task not in TASKS:
            raise DataError(f"Dataset: inconsistent {self!r}, y {self.y.shape}, task {self.task!r}")
        if (self.classes is None) != (self.task == "regression"):
            raise DataError("Dataset: classes must be None exactly when the task is regression")

    @property
    def n_classes(self) -> int | None:
        return None if self.classes is None else len(self.classes)

    def __repr__(self) -> str:
        (n, d), k = self.X.shape, self.n_classes
        kind = self.task if k is None else f"{self.task}, {k} classes"
        return f"Dataset({n} samples × {d} features, target {self.target_name!r}: {kind})"

    @classmethod
    def from_arrays(
        cls, X, y, feature_names=None, target_name: str = "target", task: str | None = None
    ) -> Dataset:
        """A Dataset from X (n_samples, n_features) and raw targets y (labels or numbers).

        ``task`` may be "binary", "multiclass", "regression", "classification" (binary or
        multiclass by the number of classes) or None (detected, see :func:`detect_task`).
        Classification targets are encoded with :func:`encode_labels`. For DataFrames and lists,
        with errors that name the bad row and column: ``Dataset.from_arrays(*as_arrays(X, y))``.
        """
        X, y = np.asarray(X), np.asarray(y)
        y = y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y
        X = X.astype(np.float64) if X.dtype.kind in "biuf" else X
        shaped = X.dtype == np.float64 and X.ndim == 2 and y.shape == X.shape[:1]
        if not shaped or not all_finite(X):
            raise DataError(
                f"Dataset.from_arrays: X must be finite numbers (n_samples, n_features) and y "
                f"(n_samples,); got X {X.shape} of {X.dtype}, y {y.shape}. "
                "chainrule.data.tables.as_arrays finds the bad cell"
            )
        names = list(feature_names or [f"x{j + 1}" for j in range(X.shape[1])])
        allowed = (*TASKS, "classification", None)
        if task not in allowed:
            raise DataError(f"task must be one of {', '.join(map(str, allowed))}; got {task!r}")
        task, _ = check_task(y, task)
        if task == "regression":
            return cls(X, y.astype(np.float64), names, target_name, None, task)
        indices, classes = encode_labels(y)
        return cls(X, indices, names, target_name, classes, task)


# ---------------------------------------------------------------- the datasets


def load_dataset(name: str, **options) -> Dataset:
    """A dataset by name: one of :data:`DATASETS`; nothing is downloaded.

    breast_cancer (569 × 30, binary), digits (1797 × 64, 10 classes), iris (150 × 4, 3 classes),
    wine (178 × 13, 3 classes) and diabetes (442 × 10, regression; the raw, unscaled features)
    come from scikit-learn's bundled files, with its class order (``classes[y]`` gives its
    ``target_names``). moons, circles, xor, spiral and blobs are generated: ``options`` go to
    ``make_<name>`` (e.g. ``load_dataset("spiral", n=600, n_classes=3, seed=1)``).
    """
    key = name.strip().lower().replace("-", "_")
    if key in _GENERATED:
        X, y = _MAKERS[key](**options)
        k = int(y.max()) + 1
        task = "binary" if k == 2 else "multiclass"
        return Dataset(X, y, ["x1", "x2"], "class", np.arange(k), task)
    if key not in _SKLEARN:
        raise DataError(f"no dataset named {name!r}; the datasets are {', '.join(DATASETS)}")
    if options:
        raise TypeError(f"load_dataset({name!r}) takes no options; got {', '.join(options)}")
    loader, kwargs, target_name, task = _SKLEARN[key]
    try:
        from sklearn import datasets as sklearn_datasets
    except ImportError as err:
        raise ImportError(
            f"load_dataset({name!r}) reads the copy bundled with scikit-learn, which is not "
            "installed: pip install 'chainrule[sklearn]' (moons, circles, xor, spiral and blobs "
            "need nothing extra)"
        ) from err
    bunch = getattr(sklearn_datasets, loader)(**kwargs)
    X = np.asarray(bunch.data, dtype=np.float64)
    names = [str(f) for f in bunch.feature_names]
    if task == "regression":
        return Dataset(X, np.asarray(bunch.target, np.float64), names, target_name, None, task)
    y = np.asarray(bunch.target, dtype=np.int64)
    return Dataset(X, y, names, target_name, np.asarray(bunch.target_names), task)


def make_moons(n: int = 200, noise: float = 0.1, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X (n, 2) float64, y (n,) int64 in {0, 1}.

    Class 0 on the upper arc (cos t, sin t), class 1 on the lower arc (1 − cos t, ½ − sin t),
    t evenly spaced on [0, π]; Gaussian noise of standard deviation ``noise`` on each coordinate.
    """
    rng = _generator_rng("make_moons", n, noise, seed)
    t0, t1 = np.linspace(0, np.pi, n // 2), np.linspace(0, np.pi, n - n // 2)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    return _noisy_shuffled(X, np.repeat([0, 1], [len(t0), len(t1)]), noise, rng)


def make_circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside a circle: class 0 on radius 1, class 1 on radius ``factor`` (0 < f < 1)."""
    rng = _generator_rng("make_circles", n, noise, seed)
    if not 0 < factor < 1:
        raise DataError(f"make_circles: factor is the inner radius, in (0, 1); got {factor}")
    t0 = np.linspace(0, 2 * np.pi, n // 2, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n - n // 2, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    return _noisy_shuffled(X, np.repeat([0, 1], [len(t0), len(t1)]), noise, rng)


def make_xor(n: int = 200, noise: float = 0.15, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """The four corners of the unit square, n/4 points around each: y = x1 XOR x2.

    Class 1 at (0, 1) and (1, 0), class 0 at (0, 0) and (1, 1): no straight line separates them.
    """
    rng = _generator_rng("make_xor", n, noise, seed)
    corners = np.array([[0, 0], [0, 1], [1, 1], [1, 0]])[np.arange(n) % 4]
    return _noisy_shuffled(corners.astype(np.float64), corners[:, 0] ^ corners[:, 1], noise, rng)


def make_spiral(
    n: int = 300, n_classes: int = 2, noise: float = 0.05, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms, one class each, 1.5 turns from the centre out.

    Arm k: radius r evenly spaced on [0.05, 1], angle θ = 2πk/K + 3πr; x = r (cos θ, sin θ).
    """
    rng = _generator_rng("make_spiral", n, noise, seed, n_classes)
    y = np.repeat(np.arange(n_classes), _class_sizes(n, n_classes))
    r = np.concatenate([np.linspace(0.05, 1, m) for m in _class_sizes(n, n_classes)])
    theta = 2 * np.pi * y / n_classes + 3 * np.pi * r
    return _noisy_shuffled(r[:, None] * np.c_[np.cos(theta), np.sin(theta)], y, noise, rng)


def make_blobs(
    n: int = 300, n_classes: int = 3, std: float = 1.0, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs of standard deviation ``std``, one per class, centred on a circle.

    Neighbouring centres are 6 apart (radius 3 / sin(π/K)), so at std=1 the classes barely touch.
    """
    rng = _generator_rng("make_blobs", n, std, seed, n_classes)
    angle = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 3 / np.sin(np.pi / n_classes) * np.c_[np.cos(angle), np.sin(angle)]
    y = np.repeat(np.arange(n_classes), _class_sizes(n, n_classes))
    return _noisy_shuffled(centres[y], y, std, rng)


_MAKERS = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
    "blobs": make_blobs,
}


def _generator_rng(who: str, n, noise, seed, n_classes: int = 2) -> np.random.Generator:
    if not isinstance(n_classes, int | np.integer) or n_classes < 2:
        raise DataError(f"{who}: n_classes must be an integer ≥ 2; got {n_classes!r}")
    if not isinstance(n, int | np.integer) or n < n_classes:
        raise DataError(f"{who}: n must be an integer ≥ {n_classes} (one per class); got {n!r}")
    if not noise >= 0:
        raise DataError(f"{who}: the noise must be ≥ 0; got {noise}")
    return np.random.default_rng(seed)


def _class_sizes(n: int, k: int) -> list[int]:
    return [n // k + (c < n % k) for c in range(k)]


def _noisy_shuffled(X, y, noise: float, rng: np.random.Generator):
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order].astype(np.int64)
