"""Converters between chainrule networks and scikit-learn's and PyTorch's, without loss.

chainrule keeps a layer as one matrix W^(k) of shape (n_in + 1, n_out), the bias as its last row
(the lecture's "W31, W32"). The other two libraries keep the same numbers in other places:

* scikit-learn's ``MLPClassifier``/``MLPRegressor``: ``coefs_[k]`` (n_in, n_out) and
  ``intercepts_[k]`` (n_out,), so W = [coefs_[k]; intercepts_[k]];
* PyTorch's ``nn.Linear``: ``weight`` (n_out, n_in) and ``bias`` (n_out,), so W = [weightᵀ; bias].

The converters copy these numbers and never recompute them, so a round trip gives the same weights
bit for bit, and the converted network computes the same outputs (up to the last bits of rounding
inside each library's matrix product). A network that standardises its inputs (``net.scaler``)
is refused by :func:`to_sklearn` and :func:`to_torch`, since neither target would apply the
scaler. Neither library is imported by chainrule itself:
:func:`from_sklearn` reads a fitted estimator's attributes, and the PyTorch converters import
``torch`` only when called.

Example:
    >>> clf = MLPClassifier(hidden_layer_sizes=(4,)).fit(X, y)
    >>> net = from_sklearn(clf)                      # the same predict_proba
    >>> module = to_torch(net)                       # nn.Sequential(Linear, Sigmoid, ...)
    >>> logits = to_torch(net)[:-1]                  # without the output activation
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.engine.ops.activations import LEAKY_RELU_SLOPE
from chainrule.nn.layers import activation_name
from chainrule.nn.losses import default_loss, loss_name
from chainrule.nn.network import Sequential, from_config
from chainrule.nn.protocol import Network

#: scikit-learn's activation names (``activation`` and ``out_activation_``) → chainrule's
SKLEARN_ACTIVATIONS = {
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "identity": "identity",
    "softmax": "softmax",
}


# -- scikit-learn ---------------------------------------------------------------------------------
def to_sklearn(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The weights in scikit-learn's layout: ``(coefs_, intercepts_)``, copies.

    ``coefs_[k] = W^(k+1)[:-1]`` of shape (n_in, n_out) and ``intercepts_[k] = W^(k+1)[-1]`` of
    shape (n_out,), as in a fitted ``MLPClassifier``/``MLPRegressor``.

    Example:
        >>> coefs, intercepts = to_sklearn(cr.MLP([2, 2, 1], seed=0))
        >>> [c.shape for c in coefs], [b.shape for b in intercepts]
        ([(2, 2), (2, 1)], [(2,), (1,)])
    """
    _check_network(net, "to_sklearn", "scikit-learn's coefs_")
    coefs = [W[:-1].copy() for W in net.weights]
    intercepts = [W[-1].copy() for W in net.weights]
    return coefs, intercepts


def from_sklearn(
    estimator_or_coefs: Any,
    intercepts: Sequence[Any] | None = None,
    hidden: str | None = None,
    output: str | None = None,
) -> Sequential:
    """A chainrule MLP from a fitted scikit-learn MLP, or from its ``coefs_`` and ``intercepts_``.

    Args:
        estimator_or_coefs: a fitted ``MLPClassifier`` or ``MLPRegressor``; or the list
            ``coefs_`` (one (n_in, n_out) array per layer), with ``intercepts``.
        intercepts: the list ``intercepts_`` (one (n_out,) array per layer), only with ``coefs_``.
        hidden: the hidden activation, in scikit-learn's words (``logistic``, ``tanh``, ``relu``,
            ``identity``) or chainrule's; read from an estimator's ``activation``; default
            ``relu`` (scikit-learn's) with raw ``coefs_``.
        output: the output activation (``logistic``, ``softmax``, ``identity``); read from an
            estimator's ``out_activation_``; required with raw ``coefs_``.

    The loss follows the output, as in scikit-learn: binary cross-entropy for a logistic output
    (a binary ``MLPClassifier`` has a single logistic unit, so ``predict_proba`` here gives the
    probability of ``classes_[1]``, the second column of scikit-learn's), cross-entropy for
    softmax, squared error (with the ½) for identity. The dtype is that of the weights. A
    classifier's ``classes_`` become the network's ``classes``, so ``predict`` gives the same
    labels; ``feature_names_in_``, where present, become ``feature_names``.

    Example:
        >>> net = from_sklearn(MLPClassifier(hidden_layer_sizes=(4,)).fit(X, y))
        >>> net = from_sklearn(coefs, intercepts, hidden="tanh", output="identity")
    """
    coefs, intercepts, hidden, output = _sklearn_parts(
        estimator_or_coefs, intercepts, hidden, output
    )
    weights = _sklearn_weights(coefs, intercepts)
    activations = [hidden] * (len(weights) - 1) + [output]
    net = _network(weights, activations, None, "from_sklearn")
    classes = getattr(estimator_or_coefs, "classes_", None)
    if classes is not None and net.task in ("binary", "multiclass"):
        net.classes = np.asarray(classes)  # predict gives the estimator's labels
    names = getattr(estimator_or_coefs, "feature_names_in_", None)
    if names is not None:
        net.feature_names = [str(name) for name in names]
    return net


def _sklearn_parts(
    estimator_or_coefs: Any,
    intercepts: Sequence[Any] | None,
    hidden: str | None,
    output: str | None,
) -> tuple[Sequence[Any], Sequence[Any], str, str]:
    """``coefs_``, ``intercepts_`` and the hidden and output activations (chainrule's names),
    from a fitted estimator or as given."""
    if hasattr(estimator_or_coefs, "get_params") or hasattr(estimator_or_coefs, "coefs_"):
        est = estimator_or_coefs
        name = type(est).__name__
        if intercepts is not None:
            raise TypeError(f"from_sklearn: pass either a fitted {name} or coefs_ and intercepts_")
        if not hasattr(est, "coefs_"):
            raise ValueError(
                f"from_sklearn: this {name} is not fitted yet (no coefs_); fit it first"
            )
        found_hidden = _sklearn_activation(est.activation, "hidden")
        found_output = _sklearn_activation(est.out_activation_, "output")
        return (
            est.coefs_,
            est.intercepts_,
            _agree(hidden, found_hidden, name, "hidden"),
            _agree(output, found_output, name, "output"),
        )
    if intercepts is None:
        raise TypeError("from_sklearn: with coefs_, pass intercepts_ too (one per layer)")
    if output is None:
        raise ValueError(
            "from_sklearn: with raw coefs_, say the output activation: output='logistic' "
            "(binary), 'softmax' (several classes) or 'identity' (regression), as in "
            "scikit-learn's out_activation_"
        )
    hidden = _sklearn_activation("relu" if hidden is None else hidden, "hidden")
    return estimator_or_coefs, intercepts, hidden, _sklearn_activation(output, "output")


def _sklearn_weights(coefs: Sequence[Any], intercepts: Sequence[Any]) -> list[np.ndarray]:
    """W^(k) = [coefs_[k]; intercepts_[k]] for each layer, after checking the shapes."""
    coefs, intercepts = list(coefs), list(intercepts)
    if len(coefs) != len(intercepts) or not coefs:
        raise ValueError(
            f"from_sklearn: {len(coefs)} coefs_ and {len(intercepts)} intercepts_; "
            "they need one of each per layer"
        )
    weights = []
    for k, (coef, intercept) in enumerate(zip(coefs, intercepts, strict=True)):
        coef, intercept = np.asarray(coef), np.asarray(intercept)
        if coef.ndim != 2 or intercept.shape != coef.shape[1:]:
            raise ValueError(
                f"from_sklearn: layer {k + 1} has coefs_ of shape {coef.shape} and intercepts_ "
                f"of shape {intercept.shape}; expected (n_in, n_out) and (n_out,)"
            )
        weights.append(np.vstack([coef, intercept[None, :]]))
    return weights


def _sklearn_activation(name: Any, what: str) -> str:
    key = str(name).lower()
    if key in SKLEARN_ACTIVATIONS:
        return SKLEARN_ACTIVATIONS[key]
    try:
        return activation_name(key)
    except ValueError:
        raise ValueError(
            f"from_sklearn: unknown {what} activation {name!r}; scikit-learn's are "
            f"{', '.join(SKLEARN_ACTIVATIONS)}"
        ) from None


def _agree(given: str | None, found: str, name: str, what: str) -> str:
    if given is not None and _sklearn_activation(given, what) != found:
        raise ValueError(
            f"from_sklearn: {what}={given!r}, but the fitted {name} uses {found}; "
            f"leave {what} out to read it from the estimator"
        )
    return found


# -- PyTorch --------------------------------------------------------------------------------------
def _import_torch(caller: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"chainrule.io.interop.{caller} needs PyTorch, which is not installed; "
            "install it with `pip install torch`"
        ) from None
    return torch


def to_torch(net: Network) -> Any:
    """The network as a ``torch.nn.Sequential`` of ``nn.Linear`` and activation modules.

    Each layer becomes ``nn.Linear(n_in, n_out)`` with ``weight = W[:-1].T`` (shape (n_out, n_in))
    and ``bias = W[-1]``, followed by its activation: ``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``,
    ``nn.LeakyReLU(0.01)``, ``nn.Identity`` or ``nn.Softmax(dim=-1)``; always one per layer, so
    ``to_torch(net)[:-1]`` gives the logits h^(L) (what ``nn.CrossEntropyLoss`` and
    ``nn.BCEWithLogitsLoss`` expect). The module has the network's dtype and copies its weights.

    Example:
        >>> module = to_torch(cr.MLP([2, 2, 1], seed=0))
        >>> module(torch.tensor(X))              # the same ŷ as net.forward(X)
    """
    torch = _import_torch("to_torch")
    nn = torch.nn
    _check_network(net, "to_torch", "the nn.Sequential")
    dtype = torch.float32 if net.dtype == np.float32 else torch.float64
    modules = {
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(LEAKY_RELU_SLOPE),
        "identity": nn.Identity,
        "softmax": lambda: nn.Softmax(dim=-1),
    }
    children = []
    for layer in net.layers:
        W = layer.W.data
        linear = nn.Linear(layer.n_in, layer.n_out, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W[:-1].T)))
            linear.bias.copy_(torch.from_numpy(W[-1].copy()))
        children += [linear, modules[layer.activation]()]
    return nn.Sequential(*children)


def from_torch(
    module_or_list_of_linear: Any,
    activations: Sequence[str] | None = None,
    loss: str | None = None,
) -> Sequential:
    """A chainrule network from ``nn.Linear`` layers and activation modules.

    Args:
        module_or_list_of_linear: an ``nn.Sequential`` (or a list) of ``nn.Linear`` layers, each
            optionally followed by one of ``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``,
            ``nn.LeakyReLU(0.01)``, ``nn.Identity``, ``nn.Softmax(dim=-1)``. A Linear with no
            activation after it is the identity, as in PyTorch.
        activations: one name per Linear layer (chainrule's or scikit-learn's), for a plain list
            of Linear layers; where the module has its own activation modules they must agree.
        loss: the loss; default the output activation's natural pairing.

    ``W = [weight.T; bias]`` (a zero bias row for ``bias=False``); the dtype is the weights'
    (float32 or float64). Returns an :class:`~chainrule.MLP` when the hidden layers share one
    activation, else a :class:`~chainrule.Sequential`.

    Example:
        >>> net = from_torch(nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1)))
        >>> net = from_torch([lin1, lin2], activations=["tanh", "sigmoid"])
    """
    torch = _import_torch("from_torch")
    weights, found = _torch_layers(torch.nn, list(module_or_list_of_linear))
    names = _torch_names(activations, found)
    return _network(weights, names, loss, "from_torch")


def _torch_layers(nn: Any, items: list[Any]) -> tuple[list[np.ndarray], list[str | None]]:
    """Each Linear layer's W, and the activation module found after it (None: none)."""
    weights: list[np.ndarray] = []
    found: list[str | None] = []
    for position, item in enumerate(items):
        if isinstance(item, nn.Linear):
            weights.append(_linear_weights(item, position))
            found.append(None)
            continue
        name = _torch_activation(nn, item)
        if name is None:
            raise ValueError(
                f"from_torch: module {position} ({item!r}) is not nn.Linear nor a supported "
                "activation (Sigmoid, Tanh, ReLU, LeakyReLU(0.01), Identity, Softmax(dim=-1))"
            )
        if not found:
            raise ValueError(f"from_torch: module {position} ({item!r}) comes before any nn.Linear")
        if found[-1] is not None:
            raise ValueError(
                f"from_torch: module {position} ({item!r}) is a second activation after one "
                f"Linear layer (already {found[-1]})"
            )
        found[-1] = name
    if not weights:
        raise ValueError("from_torch: no nn.Linear layers found")
    return weights, found


def _torch_names(activations: Sequence[str] | None, found: list[str | None]) -> list[str]:
    """One activation per Linear layer: the given ones (checked against the modules found),
    else those found, identity where none follows."""
    if activations is None:
        return [name or "identity" for name in found]
    if isinstance(activations, str) or len(activations) != len(found):
        raise ValueError(
            f"from_torch: activations needs one name per Linear layer ({len(found)}), "
            f"got {activations!r}"
        )
    names = [activation_name(SKLEARN_ACTIVATIONS.get(a, a)) for a in activations]
    for k, (given, seen) in enumerate(zip(names, found, strict=True)):
        if seen is not None and seen != given:
            raise ValueError(
                f"from_torch: activations[{k}] is {given} but the module has {seen} after "
                f"Linear layer {k + 1}"
            )
    return names


def _linear_weights(linear: Any, position: int) -> np.ndarray:
    weight = linear.weight.detach().cpu()
    if str(weight.dtype) not in ("torch.float32", "torch.float64"):
        raise TypeError(
            f"from_torch: Linear layer at position {position} has dtype {weight.dtype}; chainrule "
            "computes in float32 or float64: convert with module.float() or module.double()"
        )
    weight = weight.numpy()
    bias = (
        np.zeros(weight.shape[0], dtype=weight.dtype)
        if linear.bias is None
        else linear.bias.detach().cpu().numpy()
    )
    return np.vstack([weight.T, bias[None, :]])


def _torch_activation(nn: Any, module: Any) -> str | None:
    """chainrule's name for a torch activation module, or None if there is none."""
    simple = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Identity: "identity"}
    if type(module) in simple:
        return simple[type(module)]
    if type(module) is nn.LeakyReLU:
        if module.negative_slope != LEAKY_RELU_SLOPE:
            raise ValueError(
                f"from_torch: {module!r} has slope {module.negative_slope}; chainrule's leaky_relu "
                f"has slope {LEAKY_RELU_SLOPE}"
            )
        return "leaky_relu"
    if type(module) is nn.Softmax:
        if module.dim not in (-1, 1):
            raise ValueError(
                f"from_torch: {module!r} is over dim {module.dim}; chainrule's softmax is over "
                "the units of each sample (dim=-1)"
            )
        return "softmax"
    return None


# -- shared ---------------------------------------------------------------------------------------
def _check_network(net: Network, caller: str, target: str) -> None:
    if not isinstance(net, Network):
        raise TypeError(
            f"{caller}: expected a chainrule MLP or Sequential, got {type(net).__name__}"
        )
    if net.scaler is not None:
        raise ValueError(
            f"{caller}: this network standardises X (net.scaler) before its first layer, and "
            f"{target} would not, so it would compute something else; to convert the layers "
            "alone, set net.scaler = None (on a copy) and apply the scaler's transform to X "
            "yourself"
        )


def _network(
    weights: list[np.ndarray], activations: list[str], loss: str | None, caller: str
) -> Sequential:
    """An MLP (a Sequential when the hidden activations differ) holding copies of ``weights``."""
    dtypes = {W.dtype for W in weights}
    if len(dtypes) > 1 or not dtypes <= {np.dtype(np.float32), np.dtype(np.float64)}:
        raise TypeError(
            f"{caller}: the layers have dtypes {sorted(map(str, dtypes))}; they need one dtype, "
            "float32 or float64"
        )
    for k in range(1, len(weights)):
        if weights[k].shape[0] != weights[k - 1].shape[1] + 1:
            raise ValueError(
                f"{caller}: layer {k + 1} takes {weights[k].shape[0] - 1} inputs but layer {k} "
                f"has {weights[k - 1].shape[1]} units"
            )
    output = activations[-1]
    hidden = set(activations[:-1])
    config = {
        "class": "MLP" if len(hidden) <= 1 else "Sequential",
        "layers": [
            {"n_in": W.shape[0] - 1, "n_out": W.shape[1], "activation": a}
            for W, a in zip(weights, activations, strict=True)
        ],
        "loss": loss_name(loss) if loss is not None else default_loss(output),
        "dtype": str(weights[0].dtype),
        "hidden": activations[0] if len(activations) > 1 else output,
    }
    return from_config(config, weights)
