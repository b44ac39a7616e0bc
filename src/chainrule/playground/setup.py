"""A playground setup (:class:`Config`), checked, and the data it makes.

A setup is plain JSON, one field per control of the page, and the page keeps it in its URL (one
query parameter per field), so a link reproduces it. One ``seed`` makes everything: the generated
data, the train/test split, the initial weights and the order of the minibatches.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chainrule.data.datasets import Dataset, load_dataset
from chainrule.data.preprocess import Preprocessor
from chainrule.data.splits import train_test_split
from chainrule.errors import ConfigError
from chainrule.playground.inputs import (
    INPUTS,
    PLAIN,
    REGRESSION,
    input_names,
    ordered,
    regression_dataset,
)
from chainrule.playground.inputs import transform as transform_inputs
from chainrule.playground.limits import MAX_LAYERS, MAX_UNITS
from chainrule.playground.uploads import (  # noqa: F401  (the upload API, from its old place)
    MAX_FEATURES,
    MAX_UPLOAD_BYTES,
    Split,
    Upload,
    parse_csv,
    split_upload,
)

GENERATED = ("moons", "circles", "xor", "spiral", "blobs", *REGRESSION)
DATASETS = (*GENERATED, "csv")
ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "identity")
#: the output choice → (output activation, loss)
OUTPUTS = {
    "sigmoid": ("sigmoid", "binary_cross_entropy"),
    "softmax": ("softmax", "cross_entropy"),
    "identity": ("identity", "squared_error"),
}
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")

#: bounds of every number in a setup: (low, high), both included
LIMITS: dict[str, tuple[float, float]] = {
    "n_samples": (20, 2000),
    "noise": (0.0, 3.0),
    "n_classes": (2, 8),
    "test_ratio": (0.1, 0.9),
    "seed": (0, 2**31 - 1),
    "layers": (0, MAX_LAYERS),  # hidden layers
    "units": (1, MAX_UNITS),  # units per hidden layer
    "lr": (1e-6, 10.0),
    "batch_size": (1, 2000),
    "l2": (0.0, 1.0),
    "l1": (0.0, 1.0),
}


# -- the setup -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    """A whole playground setup; the page keeps it in its URL, one query parameter per field."""

    dataset: str = "moons"
    n_samples: int = 200
    noise: float = 0.1
    n_classes: int = 2  # spiral and blobs only
    test_ratio: float = 0.5
    seed: int = 0
    upload: str | None = None  # the id of an uploaded CSV, for dataset "csv"
    #: z = (x − μ)/σ before the first layer, μ and σ from training data; None: on for an upload
    standardize: bool | None = None
    #: the network's inputs from x1, x2 (2-D data): see :data:`~chainrule.playground.inputs.INPUTS`
    features: tuple[str, ...] = PLAIN
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "tanh"
    output: str = "sigmoid"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    l1: float = 0.0  # λ of the L1 penalty λ Σ|w| (biases excluded), added to the gradient

    @property
    def standardized(self) -> bool:
        """Whether inputs are standardised: as set, else for an uploaded CSV (None: "auto")."""
        return self.dataset == "csv" if self.standardize is None else self.standardize

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, data: Any) -> Config:
        """A checked Config from JSON data; missing fields take their defaults."""
        if not isinstance(data, dict):
            raise ConfigError(f"the setup must be a JSON object, got {_json_type(data)}")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            known = ", ".join(cls.__dataclass_fields__)
            raise ConfigError(
                f"unknown setting {unknown[0]!r}; the settings are {known}", unknown[0]
            )
        d = {**Config().to_dict(), **data}
        hidden = d["hidden"]
        if not isinstance(hidden, list):
            raise ConfigError(f"hidden must be a list of unit counts, got {_json_type(hidden)}")
        hi = LIMITS["layers"][1]
        if len(hidden) > hi:
            raise ConfigError(f"hidden: at most {hi:g} hidden layers, got {len(hidden)}", "hidden")
        upload = d["upload"]
        if upload is not None and not (isinstance(upload, str) and 1 <= len(upload) <= 64):
            raise ConfigError("upload must be an upload id (a short string) or null", "upload")
        if d["dataset"] == "csv" and upload is None:
            raise ConfigError("dataset 'csv' needs an uploaded file: upload a CSV first", "upload")
        return cls(
            dataset=_choice(d, "dataset", DATASETS),
            n_samples=_int(d, "n_samples"),
            noise=_float(d, "noise"),
            n_classes=_int(d, "n_classes"),
            test_ratio=_float(d, "test_ratio"),
            seed=_int(d, "seed"),
            upload=upload,
            standardize=None if d["standardize"] is None else _bool(d, "standardize"),
            features=_features(d["features"]),
            hidden=tuple(_int({"units": u}, "units", f"hidden[{i}]") for i, u in enumerate(hidden)),
            activation=_choice(d, "activation", ACTIVATIONS),
            output=_choice(d, "output", tuple(OUTPUTS)),
            optimizer=_choice(d, "optimizer", OPTIMIZERS),
            lr=_float(d, "lr"),
            batch_size=_int(d, "batch_size"),
            l2=_float(d, "l2"),
            l1=_float(d, "l1"),
        )


def _features(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"features must be a non-empty list of inputs, got {_json_type(value)}",
                          "features")  # fmt: skip
    for name in value:
        if not isinstance(name, str) or name not in INPUTS:
            shown = repr(name) if isinstance(name, str) else _json_type(name)
            raise ConfigError(f"features: no input {shown}; the inputs are {', '.join(INPUTS)}",
                              "features")  # fmt: skip
    return ordered(value)


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value!r}"
    return names.get(type(value), type(value).__name__)


def _int(d: dict[str, Any], key: str, label: str | None = None) -> int:
    label = label or key
    v = d[key]
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # JSON's 4.0 is the integer 4, as JSON Schema says
    lo, hi = LIMITS[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(f"{label} must be a whole number, got {_json_type(v)}", label)
    if not lo <= v <= hi:
        raise ConfigError(f"{label} must be between {lo:g} and {hi:g}, got {v}", label)
    return v


def _float(d: dict[str, Any], key: str) -> float:
    v = d[key]
    lo, hi = LIMITS[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ConfigError(f"{key} must be a number, got {_json_type(v)}", key)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ConfigError(f"{key} must be between {lo:g} and {hi:g}, got {v}", key)
    return float(v)


def _bool(d: dict[str, Any], key: str) -> bool:
    if not isinstance(d[key], bool):
        raise ConfigError(f"{key} must be true or false, got {_json_type(d[key])}", key)
    return d[key]


def _choice(d: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
    v = d[key]
    if v not in choices:
        shown = repr(v) if isinstance(v, str) else _json_type(v)
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {shown}", key)
    return v


# -- the data ------------------------------------------------------------------------------------
@dataclass
class Data:
    """The split data, with y as class indices (or values, for regression)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    dataset: Dataset
    #: an upload's split: its Preprocessor (None: numbers as they are), rows and notes
    preprocessor: Preprocessor | None = None
    split: Split | None = None
    notes: list[str] = field(default_factory=list)
    #: the two columns x1, x2 the maps and points are drawn in, when the inputs are made from them
    raw_train: np.ndarray | None = None
    raw_test: np.ndarray | None = None

    @property
    def task(self) -> str:
        return self.dataset.task

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int | None:
        return self.dataset.n_classes


def generated_dataset(config: Config) -> Dataset:
    """moons, circles, xor, spiral or blobs, from the setup's size, noise, classes and seed."""
    c = config
    if c.dataset in REGRESSION:
        return regression_dataset(c.dataset, c.n_samples, c.noise, c.seed)
    options: dict[str, Any] = {"n": c.n_samples, "seed": c.seed}
    if c.dataset == "blobs":
        options.update(n_classes=c.n_classes, std=c.noise)
    elif c.dataset == "spiral":
        options.update(n_classes=c.n_classes, noise=c.noise)
    else:
        options.update(noise=c.noise)
    return load_dataset(c.dataset, **options)


def make_data(config: Config, uploaded: Upload | None) -> Data:
    """The setup's dataset, split by ``train_test_split(..., test_size=test_ratio, seed=seed)``;
    an upload that needs it is preprocessed, fitted on the training part (:func:`split_upload`).
    The inputs are then the setup's ``features`` of x1, x2 (:mod:`~chainrule.playground.inputs`)."""
    if config.dataset == "csv":
        if uploaded is None:
            raise ConfigError("dataset 'csv' needs an uploaded file", "upload")
        try:
            s = split_upload(uploaded, config.test_ratio, config.seed, config.standardized)
        except ValueError as err:
            raise ConfigError(f"cannot split the data: {err}", "test_ratio") from None
        data = Data(s.X_train, s.y_train, s.X_test, s.y_test, s.dataset, s.preprocessor, s,
                    list(s.notes))  # fmt: skip
        return with_features(data, config.features)
    try:
        ds = generated_dataset(config)
    except ValueError as err:
        raise ConfigError(f"cannot make the {config.dataset} data: {err}", "dataset") from None
    try:
        X_train, X_test, y_train, y_test = train_test_split(
            ds.X,
            ds.y,
            test_size=config.test_ratio,
            seed=config.seed,
            stratify=ds.task != "regression",
        )
    except ValueError as err:
        raise ConfigError(f"cannot split the data: {err}", "test_ratio") from None
    return with_features(Data(X_train, y_train, X_test, y_test, ds), config.features)


def with_features(data: Data, features: tuple[str, ...]) -> Data:
    """The data with the chosen inputs of its two columns as the network's inputs; the two
    columns kept as ``raw_train``/``raw_test`` for the maps."""
    data.raw_train, data.raw_test = data.X_train, data.X_test
    if features == PLAIN:
        return data
    if data.n_features != 2 or data.preprocessor is not None:
        raise ConfigError(
            f"features {', '.join(features)}: crosses and transforms are made from two numeric "
            f"columns, and this data has {data.n_features} inputs; use features x1, x2",
            "features",
        )
    ds = data.dataset
    X = transform_inputs(ds.X, features)
    names = input_names(ds.feature_names, features)
    data.dataset = Dataset(X, ds.y, names, ds.target_name, ds.classes, ds.task)
    data.X_train = transform_inputs(data.raw_train, features)
    data.X_test = transform_inputs(data.raw_test, features)
    return data


def targets(y: np.ndarray, data: Data, output: str) -> np.ndarray:
    """What the network is trained on: labels (for a network with classes) or numbers."""
    ds = data.dataset
    if output == "identity":
        if ds.task == "multiclass":  # one output per class, one-hot targets
            return np.eye(ds.n_classes)[y]
        return np.asarray(y, dtype=np.float64)
    return ds.classes[y]


def check_fit(config: Config, data: Data) -> None:
    """Raise :class:`ConfigError` when the output and loss cannot learn this data."""
    task, k = data.task, data.n_classes
    if config.output == "sigmoid" and task != "binary":
        what = "numbers (regression)" if task == "regression" else f"{k} classes"
        fix = "identity + squared error" if task == "regression" else "softmax + cross-entropy"
        raise ConfigError(
            f"sigmoid + binary cross-entropy needs two classes, but the data has {what}; "
            f"choose {fix}",
            "output",
        )
    if config.output == "softmax" and task == "regression":
        raise ConfigError(
            "softmax + cross-entropy needs classes, but the data's target is numbers "
            "(regression); choose identity + squared error",
            "output",
        )


def n_outputs(config: Config, data: Data) -> int:
    if config.output == "softmax" or (config.output == "identity" and data.task == "multiclass"):
        return int(data.n_classes or 1)
    return 1


def batches(n: int, batch_size: int, seed: int) -> Iterator[np.ndarray]:
    """Minibatches of row indices: each epoch a fresh permutation, cut in order (last one short)."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]
