"""A network's architecture: its layers from sizes or from a config, checked; the config; a summary.

A config is JSON-able data (weights not included), as :meth:`Sequential.get_config` gives it and
:func:`chainrule.nn.network.from_config` reads it::

    {"class": "MLP", "layers": [{"n_in": 2, "n_out": 2, "activation": "sigmoid"}, ...],
     "loss": "binary_cross_entropy", "dtype": "float64", "sizes": [2, 2, 1], ...}

Example:
    >>> layers_from_config(net.get_config(), net.weights)   # the same layers, with these weights
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.nn.initializers import as_generator
from chainrule.nn.layers import Dense
from chainrule.nn.losses import LOSS_TITLES


def check_layers(layers: Sequence[Dense]) -> list[Dense]:
    """``layers`` as a list, checked to chain (each ``n_in`` the previous ``n_out``, one dtype).

    Names their weight matrices ``W1``, ``W2``, … in order.
    """
    layers = list(layers)
    if not layers or not all(isinstance(layer, Dense) for layer in layers):
        raise TypeError("Sequential needs a non-empty list of chainrule.Dense layers")
    for k in range(1, len(layers)):
        if layers[k].n_in != layers[k - 1].n_out:
            raise ValueError(
                f"Sequential: layer {k + 1} takes {layers[k].n_in} inputs but layer {k} has "
                f"{layers[k - 1].n_out} units"
            )
    dtypes = {layer.W.dtype for layer in layers}
    if len(dtypes) > 1:
        raise TypeError(f"Sequential: the layers mix dtypes {sorted(map(str, dtypes))}")
    for k, layer in enumerate(layers, start=1):
        layer.W.name = f"W{k}"
    return layers


def mlp_layers(
    sizes: Sequence[int],
    hidden: str,
    output: str,
    *,
    init: str | None = None,
    seed: int | np.random.Generator | None = None,
    dtype: Any = np.float64,
) -> list[Dense]:
    """The :class:`Dense` layers of an MLP with ``sizes`` units per layer, input first."""
    if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
        raise TypeError(
            f"MLP: sizes must be a list of layer sizes, input first, e.g. [2, 2, 1] for the "
            f"lecture's network; got {sizes!r}"
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"MLP: sizes needs at least an input and an output size, got {sizes}; "
            "e.g. [2, 2, 1] for the lecture's network"
        )
    rng = as_generator(seed)
    return [
        Dense(
            n_in,
            n_out,
            activation=hidden if k < len(sizes) - 2 else output,
            init=init,
            seed=rng,
            dtype=dtype,
        )
        for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes))
    ]


def layers_config(layers: Sequence[Dense], loss: str, class_name: str) -> dict[str, Any]:
    """The config of a network of ``layers`` with the error function ``loss``."""
    return {
        "class": class_name,
        "layers": [
            {"n_in": lay.n_in, "n_out": lay.n_out, "activation": lay.activation} for lay in layers
        ],
        "loss": loss,
        "dtype": str(layers[0].W.dtype),
    }


def layers_from_config(config: dict[str, Any], weights: Sequence[Any] | None = None) -> list[Dense]:
    """The :class:`Dense` layers a config describes, with ``weights`` [W1, W2, …] if given."""
    layer_specs = config["layers"]
    if weights is not None and len(weights) != len(layer_specs):
        raise ValueError(f"{len(weights)} weight matrices for {len(layer_specs)} layers")
    dtype = np.dtype(config.get("dtype", "float64"))
    return [
        Dense(
            spec["n_in"],
            spec["n_out"],
            activation=spec["activation"],
            dtype=dtype,
            weights=None if weights is None else weights[k],
            seed=0,
        )
        for k, spec in enumerate(layer_specs)
    ]


def summary(class_name: str, layers: Sequence[Dense], loss: str) -> str:
    """The table a network's ``repr`` shows: one row per weight matrix, and the total."""
    sizes = [layers[0].n_in] + [lay.n_out for lay in layers]
    lines = [
        f"{class_name} {'-'.join(map(str, sizes))}, {layers[0].W.dtype}, loss: {LOSS_TITLES[loss]}",
        f"  {'weights':<8} {'shape':<12} {'units':<12} {'activation':<11} {'parameters':>10}",
    ]
    for lay in layers:
        lines.append(
            f"  {lay.W.name:<8} {lay.W.shape!s:<12} {f'{lay.n_in} → {lay.n_out}':<12} "
            f"{lay.activation:<11} {lay.W.data.size:>10,}"
        )
    total = sum(lay.W.data.size for lay in layers)
    lines.append(f"  {total:,} parameters; the last row of each W is its bias")
    return "\n".join(lines)


__all__ = ["check_layers", "layers_config", "layers_from_config", "mlp_layers", "summary"]
