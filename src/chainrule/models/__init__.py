"""models: the classes a user holds, one floor above training and io.

``MLP`` and ``Sequential`` here are nn's networks (the math: feedforward, error, gradients, a
step) plus the conveniences that need the floors above nn: ``fit`` (training's loop, then the
model file with ``out=``), ``save`` and ``to_onnx`` (io). The functions that give a user a network
(``load``, ``from_config``, ``from_sklearn``, ``from_torch``, ``from_state_dict``,
``load_safetensors``) return these classes; ``as_model`` turns one of nn's networks into one.
``import chainrule as cr`` exports them as ``cr.MLP``, ``cr.load``, …. This floor may import
engine, data, nn, io and training, and nothing above: explain, sklearn, playground and cli build
on it.
"""

from chainrule.models.factories import (
    from_config,
    from_sklearn,
    from_state_dict,
    from_torch,
    load,
    load_safetensors,
)
from chainrule.models.network import MLP, Sequential, as_model

__all__ = [
    "MLP",
    "Sequential",
    "as_model",
    "from_config",
    "from_sklearn",
    "from_state_dict",
    "from_torch",
    "load",
    "load_safetensors",
]
