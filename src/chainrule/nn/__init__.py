"""nn: the lecture's networks on the engine, the math only.

nn owns the layers (:class:`Dense` with its bias folded into the last row of W, and the activation
table), the losses (computed from the logits, stably), the initialisers, and the network:
:class:`Sequential` and the lecture's :class:`MLP` (feedforward, the error E, its gradient ∇E by
the engine's reverse pass, a gradient-descent step, a training step recorded and replayed), the
weights by their lecture names, the architecture as a config, and the :class:`Network` protocol:
exactly what training, io and the explainer use of a network. nn may import engine, data and
errors, and nothing above: fitting, saving and exporting live on the floors above, and the classes
a user holds (``chainrule.MLP``, with ``fit``, ``save``, ``to_onnx``) are in ``chainrule.models``.
"""

from chainrule.nn.layers import ACTIVATIONS, Dense, Parameter, activation_name
from chainrule.nn.losses import (
    LOSSES,
    binary_cross_entropy_with_logits,
    cross_entropy_with_logits,
    squared_error,
)
from chainrule.nn.network import MLP, Sequential, Trace, from_config
from chainrule.nn.protocol import Layer, Network
from chainrule.nn.weight_names import parse_weight

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "Dense",
    "Layer",
    "Network",
    "Parameter",
    "Sequential",
    "Trace",
    "activation_name",
    "binary_cross_entropy_with_logits",
    "cross_entropy_with_logits",
    "from_config",
    "parse_weight",
    "squared_error",
]
