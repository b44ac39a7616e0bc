"""The functions that give a user a network, returning this floor's classes (with ``.save()``).

Each is the function of the same name below (nn's :func:`~chainrule.nn.network.from_config`,
io's :func:`~chainrule.io.modelfile.load`, :func:`~chainrule.io.interop.from_sklearn`, …) with its
result passed through :func:`~chainrule.models.network.as_model`: same arguments, same
docstring, and the network it returns has ``fit``, ``save`` and ``to_onnx``.

Example:
    >>> net = cr.load("model.chainrule")
    >>> net.save("copy.chainrule")
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

from chainrule.io import interop, modelfile, torch_io
from chainrule.models.network import Sequential, as_model
from chainrule.nn import network
from chainrule.nn.protocol import Network

P = ParamSpec("P")


def returning_models(factory: Callable[P, Network]) -> Callable[P, Sequential]:
    """``factory`` with its result passed through :func:`as_model` (same signature and doc)."""

    @functools.wraps(factory)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Sequential:
        return as_model(factory(*args, **kwargs))

    return wrapper


from_config = returning_models(network.from_config)
load = returning_models(modelfile.load)
from_sklearn = returning_models(interop.from_sklearn)
from_torch = returning_models(interop.from_torch)
from_state_dict = returning_models(torch_io.from_state_dict)
load_safetensors = returning_models(torch_io.load_safetensors)

__all__ = [
    "from_config",
    "from_sklearn",
    "from_state_dict",
    "from_torch",
    "load",
    "load_safetensors",
    "returning_models",
]
