"""The compiled training step (numba), and the choice of backend that runs a network's steps.

A training step of a dense network — forward, loss, backward, the optimizer's update — can run as
one compiled kernel (:mod:`~chainrule.engine.compiled.fused`, built from
:mod:`~chainrule.engine.compiled.kernels` and :mod:`~chainrule.engine.compiled.updates`) on
preallocated buffers (:mod:`~chainrule.engine.compiled.step`), or as the engine's NumPy replay
(:mod:`chainrule.engine.replay`). Which one runs is the *backend*:

* ``"numba"``: the compiled step, where it covers the step (every activation, loss and optimizer
  chainrule has; float32 and float64); anything else falls back to the replay, silently;
* ``"numpy"``: always the replay (bit for bit the engine's gradients).

The choice, in order: :func:`set_backend` (or the :func:`use_backend` context), else the
environment variable ``CHAINRULE_BACKEND`` (``numpy``, ``numba`` or ``auto``), else ``auto``:
numba where it is installed (``pip install chainrule[fast]``). :func:`backend` says which runs and
why. numba itself is imported only when a compiled step is first needed, never at
``import chainrule``.

Loading the compiled step costs time once per process: about 1 s when numba's disk cache holds
the kernel (``import numba`` and SciPy's BLAS, then the cached machine code), 10–20 s when it must
be compiled first. A short run — ``chainrule train`` on a bundled dataset takes about 1,400 small
steps, half a second of NumPy — would be slower for it. So under ``auto`` each network runs its
first steps on NumPy until their *estimated* NumPy time (:func:`step_seconds`, from the layer
sizes and the batch size alone) adds up to :data:`AUTO_SECONDS`, and only then loads and uses the
kernel. The count is the network's own and never reads a clock, so the switch happens at the same
step in every run: the same seed, data and settings give the same weights, bit for bit, whatever
ran before in the process and however busy the machine is. A short run costs exactly what it did
before; a long one pays the load once. ``numba`` (asked for by name) is used from the first step.

Like the rest of the engine this package imports NumPy and :mod:`chainrule.errors` only (numba,
lazily, and SciPy's BLAS through numba).

Example:
    >>> cr.backend(), cr.backend().reason
    ('numba', 'numba is installed (CHAINRULE_BACKEND is not set: loaded once it pays off)')
    >>> with cr.use_backend("numpy"):
    ...     net.fit(X, y)                 # the NumPy replay, whatever is installed
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from chainrule.errors import BackendError

#: the backends a user may name; ``auto`` is numba where installed, else numpy
BACKENDS = ("numpy", "numba", "auto")
ENV = "CHAINRULE_BACKEND"


#: under ``auto``, a network's steps run on NumPy until their estimated NumPy time reaches this
#: (seconds): about what loading the cached kernel costs (0.8–1.1 s on a shared 2-core machine)
AUTO_SECONDS = 1.0
#: the NumPy replay's estimated cost of one step: a fixed dispatch cost per step and per layer
#: (seconds; measured 25–40 µs for a 2-2-1 step), and its rate on the matrix products (FLOP/s)
STEP_OVERHEAD, LAYER_OVERHEAD, FLOP_RATE = 20e-6, 6e-6, 2e10


def step_seconds(sizes: list[int], m: int) -> float:
    """The estimated NumPy time of one training step of a dense network of ``sizes`` (inputs
    first) on a batch of ``m`` rows: a fixed cost per step and per layer, plus the step's matrix
    products (2·m·(n_in + 1)·n_out FLOPs forward, twice that backward) at :data:`FLOP_RATE`.
    A deterministic estimate: it never reads a clock."""
    flops = sum(6.0 * m * (a + 1) * b for a, b in itertools.pairwise(sizes))
    return STEP_OVERHEAD + LAYER_OVERHEAD * (len(sizes) - 1) + flops / FLOP_RATE


class Backend(str):
    """The backend's name (``"numba"`` or ``"numpy"``, a ``str``) with ``reason``: why it runs,
    and ``auto``: whether numba was chosen by ``auto`` (so it is loaded once it pays off)."""

    reason: str
    auto: bool

    def __new__(cls, name: str, reason: str, auto: bool = False) -> Backend:
        self = super().__new__(cls, name)
        self.reason, self.auto = reason, auto
        return self


class _State:
    """What was asked for (``forced``: by :func:`set_backend`) and what that resolved to."""

    forced: str | None = None
    resolved: Backend | None = None
    step_module: ModuleType | None = None
    import_error: str | None = None


STATE = _State()


def _numba_missing() -> str | None:
    """Why numba cannot run here (not installed, SciPy missing, or its import failed), or None."""
    if STATE.import_error is not None:
        return STATE.import_error
    for module, why in (("numba", "numba is not installed"), ("scipy", "SciPy is not installed")):
        if importlib.util.find_spec(module) is None:
            return f"{why} (pip install 'chainrule[fast]' for the compiled step)"
    return None


def _resolve() -> Backend:
    asked, source = STATE.forced, "cr.set_backend"
    if asked is None:
        asked, source = os.environ.get(ENV, "").strip().lower() or "auto", ENV
        if asked not in BACKENDS:
            raise BackendError(
                f"{ENV}={os.environ[ENV]!r} is not a backend; use one of {', '.join(BACKENDS)} "
                "(or unset it)"
            )
    how = f"{source}={asked!r}" if source != ENV or ENV in os.environ else f"{ENV} is not set"
    if asked == "numpy":
        return Backend("numpy", f"the NumPy replay was asked for ({how})")
    missing = _numba_missing()
    if missing is not None:
        return Backend("numpy", f"{missing}; {how}")
    if asked == "auto":
        why = f"numba is installed ({how}: a network's steps switch once they pay for loading it)"
        return Backend("numba", why, True)
    return Backend("numba", f"numba is installed ({how})")


def backend() -> Backend:
    """The backend that runs training steps now: ``"numba"`` or ``"numpy"``, with ``.reason``.

    Raises :class:`~chainrule.errors.BackendError` when ``CHAINRULE_BACKEND`` names no backend.
    """
    resolved = STATE.resolved
    if resolved is None:
        resolved = STATE.resolved = _resolve()
    return resolved


def set_backend(name: str | None) -> Backend:
    """Choose the backend: ``"numpy"``, ``"numba"``, ``"auto"``, or None (``CHAINRULE_BACKEND``).

    ``"numba"`` where numba cannot run raises :class:`~chainrule.errors.BackendError` (``auto``
    would fall back to numpy instead). Returns the backend now in force.

    Example:
        >>> cr.set_backend("numpy")       # the NumPy replay from now on
    """
    if name is not None:
        name = str(name).strip().lower()
        if name not in BACKENDS:
            raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
        missing = _numba_missing() if name == "numba" else None
        if missing is not None:
            raise BackendError(f"set_backend('numba'): {missing}")
    STATE.forced, STATE.resolved = name, None
    return backend()


@contextmanager
def use_backend(name: str | None) -> Iterator[Backend]:
    """:func:`set_backend` for the ``with`` block only; the previous choice comes back after it."""
    previous = STATE.forced
    try:
        yield set_backend(name)
    finally:
        STATE.forced, STATE.resolved = previous, None


def ready(done: float) -> bool:
    """Whether the numba backend may run a network's next step, given the estimated NumPy time
    ``done`` (seconds, :func:`step_seconds`) of the steps that network has run so far: at once
    when numba was asked for by name; under ``auto`` once ``done`` reaches :data:`AUTO_SECONDS`
    (see the module's docstring)."""
    return not backend().auto or done >= AUTO_SECONDS


def step_module() -> Any:
    """:mod:`chainrule.engine.compiled.step` (importing numba) when the backend is numba, else
    None; a failed import of numba is remembered, and the backend falls back to numpy."""
    module = STATE.step_module
    if module is not None:
        return module if backend() == "numba" else None
    if backend() != "numba":
        return None
    try:
        from chainrule.engine.compiled import step
    except Exception as exc:  # a broken numba install: fall back to the replay, and say why
        STATE.import_error = f"importing numba failed ({type(exc).__name__}: {exc})"
        STATE.resolved = None
        return None
    STATE.step_module = step
    return step


__all__ = [
    "AUTO_SECONDS",
    "BACKENDS",
    "Backend",
    "backend",
    "ready",
    "set_backend",
    "step_module",
    "step_seconds",
    "use_backend",
]
