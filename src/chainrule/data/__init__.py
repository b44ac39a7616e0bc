"""Data: everything between a user's numbers and a network's X and y, in NumPy.

This floor owns reading tables (:mod:`~chainrule.data.tables`: CSV files, arrays, DataFrames),
the bundled and generated datasets and the :class:`Dataset` that holds one
(:mod:`~chainrule.data.datasets`), the checks of X and y that every entry point runs
(:mod:`~chainrule.data.checks`), class labels and tasks (:mod:`~chainrule.data.labels`), the
train/test split (:mod:`~chainrule.data.splits`), the scaling of features and of regression
targets (:mod:`~chainrule.data.scaling`: :class:`Standardizer`, :class:`TargetScaler`), typed
tables with missing values (:mod:`~chainrule.data.table`: :class:`Table`, :func:`read_table`),
the preprocessing a model keeps (:mod:`~chainrule.data.preprocess`: :class:`Preprocessor`) and
tables larger than memory read in chunks (:mod:`~chainrule.data.stream`: :class:`Stream`).
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
from chainrule.data.preprocess import (
    Preprocessor,
    drop_missing_target,
    id_like_columns,
    target_values,
)
from chainrule.data.scaling import Standardizer, TargetScaler, mean_std
from chainrule.data.splits import train_test_split
from chainrule.data.stream import Stream
from chainrule.data.table import DEFAULT_NA_VALUES, Column, Table, read_table, table_from_frame
from chainrule.data.tables import as_arrays, load_csv
from chainrule.errors import DataError

__all__ = [
    "DATASETS",
    "DEFAULT_NA_VALUES",
    "TASKS",
    "Column",
    "DataError",
    "Dataset",
    "Preprocessor",
    "Standardizer",
    "Stream",
    "Table",
    "TargetScaler",
    "all_finite",
    "as_arrays",
    "check_X",
    "check_targets",
    "decode_labels",
    "detect_task",
    "drop_missing_target",
    "encode_labels",
    "encode_targets",
    "id_like_columns",
    "load_csv",
    "load_dataset",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "mean_std",
    "read_table",
    "table_from_frame",
    "target_values",
    "train_test_split",
]
