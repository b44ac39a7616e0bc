"""The lecture's multilayer perceptron, of any size: :class:`MLP`, and networks from a config.

ŷ = σ(W^(2) σ(W^(1) x)) for the lecture's 2-2-1 network, biases in the last row of each W^(k).
:class:`MLP` is a :class:`~chainrule.nn.sequential.Sequential` built from its sizes and its
activations; :func:`from_config` rebuilds either from :meth:`~Sequential.get_config`. This module
also gives :class:`Sequential`, :class:`Trace` and :func:`parse_weight` their old import path.

Example:
    >>> net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    >>> net.error(X, y), net.gradients(X, y)      # E and [∂E/∂W1, ∂E/∂W2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.nn.config import layers_from_config, mlp_layers
from chainrule.nn.layers import activation_name
from chainrule.nn.sequential import Sequential, Trace
from chainrule.nn.weight_names import parse_weight


class MLP(Sequential):
    """A multilayer perceptron in the lecture's notation, any size.

    Args:
        sizes: units per layer, input first: ``[2, 2, 1]`` is 2 inputs, 2 hidden units, 1 output.
        hidden: the hidden layers' activation (``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``,
            ``identity``).
        output: the output activation: ``sigmoid`` (binary or multi-label), ``softmax`` (several
            classes) or ``identity`` (regression); also ``tanh``/``relu`` with squared error.
        loss: default ``binary_cross_entropy`` for sigmoid, ``cross_entropy`` for softmax,
            ``squared_error`` otherwise.
        init: ``xavier``/``glorot`` or ``he`` (and their ``_normal``/``_uniform`` forms); default
            He for rectifier hidden layers, Xavier otherwise.
        seed: int or ``numpy.random.Generator``; the same seed gives the same weights, bit for bit.
        dtype: ``np.float64`` (default) or ``np.float32``.

    Example:
        >>> net = cr.MLP([2, 2, 1], seed=0)
        >>> net.weight("W1[1,1]")              # the lecture's W11^(1)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "sigmoid",
        output: str = "sigmoid",
        loss: str | None = None,
        init: str | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        layers = mlp_layers(sizes, hidden, output, init=init, seed=seed, dtype=dtype)
        super().__init__(layers, loss=loss)
        # with one layer there is no hidden layer, but a bad name is still refused
        self.hidden = layers[0].activation if len(layers) > 1 else activation_name(hidden)
        self.output = layers[-1].activation

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(sizes=self.sizes, hidden=self.hidden, output=self.output)
        return config


def from_config(config: dict[str, Any], weights: Sequence[Any] | None = None) -> Sequential:
    """Rebuild a network from :meth:`Sequential.get_config`, with ``weights`` if given."""
    layers = layers_from_config(config, weights)
    if config.get("class") == "MLP":
        net = MLP.__new__(MLP)
        Sequential.__init__(net, layers, loss=config["loss"])
        net.hidden = config.get("hidden", layers[0].activation)
        net.output = layers[-1].activation
        return net
    return Sequential(layers, loss=config["loss"])


__all__ = ["MLP", "Sequential", "Trace", "from_config", "parse_weight"]
