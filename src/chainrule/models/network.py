"""The networks a user holds: nn's MLP and Sequential, with ``fit``, ``save`` and ``to_onnx``.

nn's networks hold the math only (feedforward, error, gradients, a step). Training and model files
sit on the floors above nn, so the conveniences that reach them live here, one floor above both,
as Keras's ``Model`` sits above its trainer. The classes here add methods only, no state, so a
network of nn's class becomes one of these by :func:`as_model` without a copy.

Example:
    >>> net = cr.MLP([2, 2, 1], seed=0)            # chainrule.models.MLP
    >>> hist = net.fit(X, y, epochs=50, out="model.chainrule")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from chainrule import nn
from chainrule.errors import TrainingError
from chainrule.io import modelfile, onnx_export
from chainrule.nn.protocol import Network
from chainrule.training import loop
from chainrule.training.callbacks import History


class Sequential(nn.Sequential):
    """A :class:`chainrule.nn.Sequential` (same arguments) with ``fit``, ``save``, ``to_onnx``."""

    def fit(
        self, X: Any, y: Any = None, *, out: str | os.PathLike[str] | None = None, **kw: Any
    ) -> History:
        """Train by minibatch gradient descent: :func:`~chainrule.fit` (same arguments; y None
        when X is a :class:`~chainrule.data.Stream` or an iterable of batches).

        With ``out``, the model file is written there when training ends: after all epochs, an
        early stop or Ctrl-C, but not after divergence (which raises). ``out``'s folder is
        checked before training starts.

        Example:
            >>> hist = net.fit(X, y, epochs=50, optimizer="adam", lr=1e-3, validation=0.2)
        """
        if out is not None and not Path(out).parent.is_dir():
            raise TrainingError(
                f"fit: cannot save to {out}: the folder {Path(out).parent} does not exist"
            )
        history = loop.fit(self, X, y, **kw)
        if out is not None:
            modelfile.save(self, out)
        return history

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model file (see :mod:`chainrule.io.modelfile`); ``cr.load(path)`` reads it."""
        return modelfile.save(self, path)

    def to_onnx(self, path: str | os.PathLike[str], **options: Any) -> Any:
        """Write the network as an ONNX model (:mod:`~chainrule.io.onnx_export`); needs ``onnx``."""
        return onnx_export.to_onnx(self, path, **options)


class MLP(nn.MLP, Sequential):
    """A :class:`chainrule.nn.MLP` (same arguments) with ``fit``, ``save`` and ``to_onnx``.

    Example:
        >>> net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
        >>> net.weight("W1[1,1]")              # the lecture's W11^(1)
    """


#: nn's class → the class here that adds the conveniences
MODEL_CLASSES: dict[type, type[Sequential]] = {nn.Sequential: Sequential, nn.MLP: MLP}


def as_model(net: Network) -> Sequential:
    """``net`` itself, as this floor's class of its nn class (adds methods only; no copy).

    A network already of a class here, or of a user's own subclass of one, is returned as is.
    """
    cls = MODEL_CLASSES.get(type(net))
    if cls is not None:
        net.__class__ = cls
    if not isinstance(net, Sequential):
        raise TypeError(
            f"as_model: expected a chainrule network (nn.MLP or nn.Sequential), got "
            f"{type(net).__name__}"
        )
    return net


__all__ = ["MLP", "MODEL_CLASSES", "Sequential", "as_model"]
