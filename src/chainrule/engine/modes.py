"""Global switches of the engine, per thread: gradient recording and anomaly detection.

``no_grad()`` turns recording off (forward only, no graph kept: for inference and for optimizer
updates); ``enable_grad()`` turns it back on inside a ``no_grad`` block; ``detect_anomaly()`` makes
every op check its output and its gradients for NaN/inf and raise :class:`~chainrule.AnomalyError`
at the first op that produced one. The state is thread-local, like PyTorch's, so a server training
in one thread does not change what another thread records.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import numpy as np

from chainrule.errors import AnomalyError

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _State(threading.local):
    grad_enabled: bool = True
    anomaly: bool = False


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward (the default)."""
    return STATE.grad_enabled


@contextlib.contextmanager
def _set(name: str, value: bool) -> Iterator[None]:
    previous = getattr(STATE, name)
    setattr(STATE, name, value)
    try:
        yield
    finally:
        setattr(STATE, name, previous)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: operations inside record no graph (cheaper; results have no gradient).

    Example:
        >>> with cr.no_grad():
        ...     yhat = (x @ W).sigmoid()      # yhat.requires_grad is False
    """
    return _set("grad_enabled", False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: record operations again, even inside a ``no_grad`` block."""
    return _set("grad_enabled", True)


def detect_anomaly(enabled: bool = True) -> contextlib.AbstractContextManager[None]:
    """Context manager: raise :class:`~chainrule.AnomalyError` at the first NaN or inf.

    Every op checks its forward output (when its inputs were finite) and every gradient it sends
    back (when the gradient it received was finite); the error names the op, the input shapes and
    the line of your code that created the op. It costs a full scan of every array, so it is off
    by default: turn it on to find where a NaN comes from.

    Example:
        >>> with cr.detect_anomaly():
        ...     loss = model_error(W)
        ...     loss.backward()
    """
    return _set("anomaly", enabled)


# -- the checks anomaly mode runs ------------------------------------------------------------------
def user_frame() -> str:
    """'file:line' of the innermost frame outside chainrule: where the user created the op."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _nonfinite(a: np.ndarray) -> str:
    return "NaN" if np.isnan(a).any() else "inf"


def describe_shapes(arrays: Any) -> str:
    """'(5, 3) and (4, 2)': the shapes of ``arrays`` for an error message."""
    return " and ".join(str(tuple(a.shape)) for a in arrays)


def check_forward(name: str, arrays: Any, out: np.ndarray, created_at: str) -> None:
    """Raise if op ``name`` made a NaN/inf output from finite inputs."""
    if np.isfinite(out).all() or not all(np.isfinite(a).all() for a in arrays):
        return
    raise AnomalyError(
        f"{name} produced {_nonfinite(out)} in its forward pass from finite inputs of shapes "
        f"{describe_shapes(arrays)}; the op was created at {created_at}."
    )


def check_backward(node: Any, grad: np.ndarray, index: int, result: np.ndarray) -> None:
    """Raise if ``node``'s backward rule made a NaN/inf gradient from a finite ``grad``."""
    if np.isfinite(result).all() or not np.isfinite(grad).all():
        return
    raise AnomalyError(
        f"{node.name} produced {_nonfinite(result)} in its backward pass, in the gradient of "
        f"input {index} (shape {result.shape}), from a finite upstream gradient; the op was "
        f"created at {node.created_at}."
    )
