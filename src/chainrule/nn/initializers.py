"""Weight initialisation: the starting point of gradient descent.

Each initialiser fills the weight rows of a layer, W[:-1] of shape (n_in, n_out); the bias row
W[-1] starts at zero. The scale keeps the variance of the signal roughly constant from layer to
layer, so that neither the activations nor the gradients vanish or explode at the start:

* Xavier/Glorot (Glorot & Bengio, 2010), for sigmoid, tanh and identity units:
  uniform on [−a, a] with a = √(6 / (n_in + n_out)), or normal with σ = √(2 / (n_in + n_out)).
* He/Kaiming (He et al., 2015), for relu and leaky_relu units:
  normal with σ = √(2 / n_in), or uniform on [−a, a] with a = √(6 / n_in).

Randomness comes only from the ``numpy.random.Generator`` passed in: the same seed gives the same
weights, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """U(−a, a), a = √(6/(n_in + n_out)); shape (n_in, n_out)."""
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """N(0, σ²), σ = √(2/(n_in + n_out)); shape (n_in, n_out)."""
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


def he_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """N(0, σ²), σ = √(2/n_in); shape (n_in, n_out)."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def he_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """U(−a, a), a = √(6/n_in); shape (n_in, n_out)."""
    a = np.sqrt(6.0 / n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


INITIALIZERS: dict[str, Initializer] = {
    "xavier": xavier_uniform,
    "glorot": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "glorot_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot_normal": xavier_normal,
    "he": he_normal,
    "kaiming": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def default_init(activation: str) -> str:
    """He for rectifiers, Xavier/Glorot for everything else."""
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def get_initializer(name: str) -> Initializer:
    """The initialiser called ``name`` (see :data:`INITIALIZERS`)."""
    key = str(name).lower()
    if key not in INITIALIZERS:
        raise ValueError(f"unknown init {name!r}; choose one of {', '.join(INITIALIZERS)}")
    return INITIALIZERS[key]


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator from a seed (an int, a Generator, or None for fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if (seed is not None and not isinstance(seed, int | np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, a numpy.random.Generator or None, got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be an int ≥ 0 (NumPy's seeds are), got {seed}")
    return np.random.default_rng(seed)
