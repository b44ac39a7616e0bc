"""Optimizers: SGD (with momentum and Nesterov), Adam, AdamW and RMSprop, updating weights in place.

Each optimizer holds a list of parameters (leaf Tensors). ``step()`` reads every ``p.grad``
(parameters whose grad is ``None`` are skipped, their state untouched) and changes ``p.data`` in
place — the array object is never replaced, so the network and the user keep valid references.
``zero_grad()`` sets every ``p.grad`` to ``None``. The update rules are exactly those of
``torch.optim`` (same defaults, same bias correction, same placement of ``eps``), so the two agree
to rounding in float64; float32 parameters stay float32, and so does their state.

Weight decay never decays a bias. A parameter with ``folded_bias = True`` (a layer weight W of shape
(n_in + 1, n_out) whose last row is the bias, see :class:`chainrule.Parameter`) is decayed on rows
``[:-1]`` only, both for the L2 form (SGD, Adam, RMSprop: ``g ← g + λ·W``) and for AdamW's
decoupled form (``W ← W − η·λ·W``). The attribute is read when the optimizer is made.

Every optimizer takes ``clip_norm``: when set, ``step()`` first rescales all gradients together so
that their global L2 norm is at most ``clip_norm`` (:func:`clip_grad_norm`).

Where things are: :mod:`~chainrule.training.optim.base` (the :class:`Optimizer` base class, the
argument checks, clipping, the L2 decay), :mod:`~chainrule.training.optim.sgd`,
:mod:`~chainrule.training.optim.adam` (Adam, AdamW) and :mod:`~chainrule.training.optim.rmsprop`;
this module re-exports them and maps names to classes (:data:`OPTIMIZERS`, :func:`get_optimizer`).

Adding an optimizer: write it in a new module here, a subclass of :class:`Optimizer` that names its
per-parameter state in ``_buffers`` and its hyperparameters in ``_hyper``, checks them in
``_configure`` and writes the rule, in place, in ``_update`` (``sgd.py`` is the shortest model).
Import it below, add it to ``__all__`` and to :data:`OPTIMIZERS` (then ``fit(optimizer="name")``
finds it), and extend ``tests/test_optim.py``: its update rule written out in plain NumPy from the
paper (a ``ref_*`` function) and an entry in the cases compared with it and with ``torch.optim``.
A new optimizer runs ``step()`` on the NumPy path; the compiled training step (numba) takes over
only the exact classes in ``COMPILED`` (``base.py``), each of which describes its rule through
:meth:`Optimizer.compiled_update` and has its twin in ``chainrule/engine/compiled/updates.py``.

Example:
    >>> opt = cr.optim.Adam(net.parameters(), lr=1e-3)
    >>> for X_batch, y_batch in batches:
    ...     opt.zero_grad()
    ...     loss(net(X_batch), y_batch).backward()
    ...     opt.step()
"""

from __future__ import annotations

from typing import Any

from chainrule.errors import OptimizerError, OptimizerTypeError
from chainrule.training.optim.adam import Adam, AdamW
from chainrule.training.optim.base import Optimizer, clip_grad_norm
from chainrule.training.optim.base import parameter_list as _parameter_list
from chainrule.training.optim.rmsprop import RMSprop
from chainrule.training.optim.sgd import SGD

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "AdamW",
    "Optimizer",
    "OptimizerError",
    "OptimizerTypeError",
    "RMSprop",
    "clip_grad_norm",
    "get_optimizer",
]


#: name → optimizer class, for :func:`get_optimizer`
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
}


def get_optimizer(name_or_instance: Any, params: Any, **kwargs: Any) -> Optimizer:
    """An optimizer from its name (``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``; any case).

    ``kwargs`` go to the optimizer (``lr=0.1, momentum=0.9``). An optimizer class is called the
    same way. An :class:`Optimizer` instance is returned as it is, after checking that it updates
    exactly ``params`` (then ``kwargs`` must be empty).

    Example:
        >>> opt = cr.optim.get_optimizer("adam", net.parameters(), lr=1e-3)
    """
    if isinstance(name_or_instance, Optimizer):
        opt = name_or_instance
        if kwargs:
            raise OptimizerError(
                f"get_optimizer: got an already made {type(opt).__name__} and settings "
                f"{sorted(kwargs)}; give the settings when making it, or pass its name instead."
            )
        given = _parameter_list(params, "get_optimizer")
        if [id(p) for p in given] != [id(p) for p in opt.params]:
            raise OptimizerError(
                f"get_optimizer: the {type(opt).__name__} given updates other parameters than "
                "those passed; make it over these parameters (or pass its name)."
            )
        return opt
    if isinstance(name_or_instance, type) and issubclass(name_or_instance, Optimizer):
        return name_or_instance(params, **kwargs)
    if not isinstance(name_or_instance, str):
        raise OptimizerTypeError(
            f"get_optimizer: expected an optimizer name or instance, got "
            f"{type(name_or_instance).__name__}; use one of {', '.join(OPTIMIZERS)}."
        )
    cls = OPTIMIZERS.get(name_or_instance.strip().lower())
    if cls is None:
        raise OptimizerError(
            f"get_optimizer: unknown optimizer {name_or_instance!r}; choose one of "
            f"{', '.join(OPTIMIZERS)}."
        )
    return cls(params, **kwargs)
