"""The errors chainrule raises.

Each one subclasses the built-in exception a caller would naturally catch (``ValueError`` for a bad
shape, ``TypeError`` for a bad dtype, ...) and also :class:`ChainruleError`, so
``except chainrule.ChainruleError`` catches the errors of the engine, training and model files.
Checks of a plain argument (a negative seed, a NaN in X, an unknown weight name, an estimator's
setting) raise the built-in exception Python's own functions would, with a message that names the
value: ``ValueError`` or ``TypeError``, ``IndexError`` for a sample or weight index out of range,
``KeyError`` for an unknown metric name.
"""

from __future__ import annotations

from typing import Any


class ChainruleError(Exception):
    """Base class of the errors specific to chainrule (each also a ValueError, TypeError, …)."""


class ShapeError(ChainruleError, ValueError):
    """Shapes that do not fit an operation, e.g. ``matmul`` of (5, 3) by (4, 2)."""


class DTypeError(ChainruleError, TypeError):
    """Data that is not float32/float64 numbers, or two tensors of different dtypes combined."""


class BackendError(ChainruleError, ValueError):
    """An unknown compute backend (``cr.set_backend``, ``CHAINRULE_BACKEND``), or ``numba`` asked
    for where it is not installed."""


class GraphError(ChainruleError, RuntimeError):
    """The computation graph cannot do what was asked (e.g. backward through it twice)."""


class AnomalyError(ChainruleError, FloatingPointError):
    """Raised under :func:`chainrule.detect_anomaly` by the first op that produced a NaN or inf."""


class GradcheckError(ChainruleError, AssertionError):
    """A gradient disagreed with central finite differences; ``.report`` holds the details."""

    def __init__(self, report: Any) -> None:
        self.report = report
        super().__init__(str(report))


class TrainingError(ChainruleError, ValueError):
    """A setting of ``fit`` that cannot work (``epochs=0``, ``validation=1.5``, …)."""


class DivergedError(ChainruleError, FloatingPointError):
    """The error E became NaN or infinite: training has diverged; the weights were kept."""


class PredictionError(ChainruleError, FloatingPointError):
    """A network's output came out NaN or infinite: reported, never returned as a prediction."""


# -- data: reading tables and checking X and y -----------------------------------------------------


class DataError(ChainruleError, ValueError):
    """Data that cannot be used as is: a bad CSV cell, a ragged row, a NaN, mismatched lengths."""


class DataWarning(UserWarning):
    """Data chainrule can use but you should know about: an unseen category, an ID-like column."""


# -- training: the loop, optimizers and schedules --------------------------------------------------


class ValidationSplitError(TrainingError):
    """A validation fraction that cannot be held out of this data; ``reason`` says why (the
    estimators, whose parameter is ``validation_fraction``, put it in their own words)."""

    def __init__(self, validation: float, reason: str) -> None:
        self.validation, self.detail = validation, reason
        self.reason = f"validation={validation} {reason}"
        super().__init__(f"fit: {self.reason}; pass validation=(X_val, y_val) or None")


class TrainingDivergedError(DivergedError):
    """The loss or the weights stopped being finite; the network keeps its last finite weights.

    The message names the layer and the likely cause; ``history`` holds the finished epochs.
    """

    def __init__(self, message: str, history: Any) -> None:
        super().__init__(message)
        self.history = history


class CheckpointError(TrainingError):
    """A training checkpoint that cannot be written, read or resumed from (the message says why)."""


class DistributedError(ChainruleError, RuntimeError):
    """Data-parallel training that cannot go on: MPI missing, ranks out of step, a lost rank."""


class OptimizerError(ChainruleError, ValueError):
    """A bad value given to an optimizer or a learning-rate schedule (e.g. ``lr=-1``)."""


class OptimizerTypeError(ChainruleError, TypeError):
    """Something of the wrong kind given to an optimizer or a schedule (e.g. a string as lr)."""


# -- io: model files -------------------------------------------------------------------------------


class ModelFileError(ChainruleError, ValueError):
    """A model file that cannot be read: missing, corrupt, truncated, another version, hostile."""


class FileWriteError(ChainruleError, OSError):
    """A file that could not be written (disk full, permission denied, a read-only disk); the
    message names it, ``errno`` and ``filename`` are the failed call's."""

    def __init__(self, message: str, errno: int | None = None, filename: str | None = None) -> None:
        super().__init__(message)
        self.errno, self.filename = errno, filename  # type: ignore[assignment]

    def __str__(self) -> str:
        return str(self.args[0])


# -- faces: the command line and the playground ----------------------------------------------------


class UsageError(ChainruleError, ValueError):
    """An option value or a combination of options that cannot work (exit status 2)."""


class ConfigError(ChainruleError, ValueError):
    """A setup that cannot be used; ``field`` names the setting at fault (or is None)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ApiError(ChainruleError):
    """Answered as ``{"error": message, "field": field}`` with ``status``."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
