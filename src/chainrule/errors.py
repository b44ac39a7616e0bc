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


class ChainruleError(Exception):
    """Base class of the errors specific to chainrule (each also a ValueError, TypeError, …)."""


class ShapeError(ChainruleError, ValueError):
    """Shapes that do not fit an operation, e.g. ``matmul`` of (5, 3) by (4, 2)."""


class DTypeError(ChainruleError, TypeError):
    """Data that is not float32/float64 numbers, or two tensors of different dtypes combined."""


class GraphError(ChainruleError, RuntimeError):
    """The computation graph cannot do what was asked (e.g. backward through it twice)."""


class AnomalyError(ChainruleError, FloatingPointError):
    """Raised under :func:`chainrule.detect_anomaly` by the first op that produced a NaN or inf."""


class GradcheckError(ChainruleError, AssertionError):
    """A gradient disagreed with central finite differences; ``.report`` holds the details."""

    def __init__(self, report):
        self.report = report
        super().__init__(str(report))


class TrainingError(ChainruleError, ValueError):
    """A setting of ``fit`` that cannot work (``epochs=0``, ``validation=1.5``, …)."""


class DivergedError(ChainruleError, FloatingPointError):
    """The error E became NaN or infinite: training has diverged; the weights were kept."""
