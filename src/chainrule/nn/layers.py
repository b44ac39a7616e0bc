"""Layers: the dense layer with its bias folded into the weights, and the activations.

In the lecture's notation a layer k holds one matrix W^(k) of shape (n_in + 1, n_out): row i,
column j is the weight w_ij^(k) from input i to unit j, and the last row is the bias (the lecture's
"W31, W32" for two inputs). Its forward is

    h^(k) = [a^(k−1), 1] · W^(k)      (pre-activation, one row per sample)
    a^(k) = f(h^(k))                  (activation)

computed by the :func:`~chainrule.affine` primitive without copying anything. This is not
PyTorch's ``Linear`` (weight (out, in) and a separate bias): see :mod:`chainrule.io.interop` for the
converters both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine import ops
from chainrule.engine.ops.affine import affine
from chainrule.engine.tensor import Tensor, as_float_array
from chainrule.nn.initializers import as_generator, default_init, get_initializer


class Parameter(Tensor):
    """A trainable weight matrix: a leaf Tensor that requires grad, with a name (``"W1"``).

    ``folded_bias`` is True when the last row is a bias, which L2 weight decay leaves alone.
    """

    __slots__ = ("folded_bias", "name")

    def __init__(self, data: Any, name: str = "", folded_bias: bool = True, dtype: Any = None):
        super().__init__(data, requires_grad=True, dtype=dtype)
        self.name = name
        self.folded_bias = folded_bias


def identity(x: Any) -> Any:
    """f(h) = h."""
    return x


#: activation name → the function applying it to a Tensor (each an engine primitive)
ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {
    "sigmoid": ops.sigmoid,
    "tanh": ops.tanh,
    "relu": ops.relu,
    "leaky_relu": ops.leaky_relu,
    "identity": identity,
    "softmax": ops.softmax,
}
_ALIASES = {"logistic": "sigmoid", "linear": "identity", "none": "identity"}


def activation_name(name: str) -> str:
    """The canonical activation name (``logistic`` → ``sigmoid``, ``linear`` → ``identity``)."""
    key = _ALIASES.get(str(name).lower(), str(name).lower())
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return key


class Dense:
    """A fully connected layer: h = [x, 1] · W, a = f(h), with W of shape (n_in + 1, n_out).

    Args:
        n_in: the number of inputs.
        n_out: the number of units.
        activation: ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu`` (slope 0.01), ``identity``
            or ``softmax``.
        init: ``xavier``/``glorot`` (uniform), ``xavier_normal``, ``he`` (normal) or
            ``he_uniform``; default He for rectifiers, Xavier otherwise. The bias row starts at 0.
        seed: an int or a ``numpy.random.Generator``; the same seed gives the same weights.
        dtype: float64 (default) or float32.
        weights: initial W, shape (n_in + 1, n_out), instead of a random initialisation.
        name: the weight matrix's name, e.g. ``"W1"``.

    Shape:
        input (m, n_in) → output (m, n_out).

    Example:
        >>> layer = cr.Dense(2, 2, activation="sigmoid", seed=0)
        >>> layer.W.shape                      # two input rows and the bias row
        (3, 2)
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str = "sigmoid",
        *,
        init: str | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.float64,
        weights: Any = None,
        name: str = "W",
    ) -> None:
        for what, n in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Dense: {what} must be a positive integer, got {n!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = activation_name(activation)
        if self.activation == "softmax" and self.n_out < 2:
            raise ValueError("Dense: a softmax layer needs at least 2 units (use sigmoid for 1)")
        self.init = init or default_init(self.activation)
        initializer = get_initializer(self.init)  # refuses an unknown name, weights given or not
        if weights is None:
            rng = as_generator(seed)
            W = np.zeros((self.n_in + 1, self.n_out))
            W[:-1] = initializer(self.n_in, self.n_out, rng)
        else:
            W = as_float_array(weights, dtype, copy=True, what=f"Dense {name} weights")
            if W.shape != (self.n_in + 1, self.n_out):
                raise ValueError(
                    f"Dense: weights of shape {W.shape} do not fit {self.n_in} inputs and "
                    f"{self.n_out} units; expected {(self.n_in + 1, self.n_out)} (the last row is "
                    "the bias)"
                )
        self.W = Parameter(W, name=name, dtype=dtype)
        self._f = ACTIVATIONS[self.activation]

    def pre_activation(self, x: Any) -> Tensor:
        """h = [x, 1] · W."""
        return affine(x, self.W)

    def activate(self, h: Any) -> Tensor:
        """a = f(h)."""
        return self._f(h)

    def __call__(self, x: Any) -> Tensor:
        return self._f(affine(x, self.W))

    def __repr__(self) -> str:
        return f"Dense({self.n_in} → {self.n_out}, {self.activation}, {self.W.name} {self.W.shape})"
