"""Data: everything between a user's numbers and a network's X and y, in NumPy.

This floor owns reading tables (:mod:`~chainrule.data.tables`: CSV files, arrays, DataFrames),
the bundled and generated datasets and the :class:`Dataset` that holds one
(:mod:`~chainrule.data.datasets`), the checks of X and y that every entry point runs
(:mod:`~chainrule.data.checks`), class labels and tasks (:mod:`~chainrule.data.labels`), the
train/test split (:mod:`~chainrule.data.splits`), and the scaling of features and of regression
targets (:mod:`~chainrule.data.scaling`: :class:`Standardizer`, :class:`TargetScaler`).
It may import NumPy, :mod:`chainrule.engine` (only to convert to float arrays) and
:mod:`chainrule.errors`; never nn, io, training or anything above (``lint-imports`` checks).
"""

from chainrule.data.checks import all_finite, check_targets, check_X, encode_targets
from chainrule.data.datasets import (
    DATASETS,
    Dataset,
    load_dataset,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
)
from chainrule.data.labels import TASKS, decode_labels, detect_task, encode_labels
from chainrule.data.scaling import Standardizer, TargetScaler, mean_std
from chainrule.data.splits import train_test_split
from chainrule.data.tables import as_arrays, load_csv, read_lines
from chainrule.errors import DataError

__all__ = [
    "DATASETS",
    "TASKS",
    "DataError",
    "Dataset",
    "Standardizer",
    "TargetScaler",
    "all_finite",
    "as_arrays",
    "check_X",
    "check_targets",
    "decode_labels",
    "detect_task",
    "encode_labels",
    "encode_targets",
    "load_csv",
    "load_dataset",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "mean_std",
    "read_lines",
    "train_test_split",
]
