"""Weights that travel: PyTorch ``state_dict`` and safetensors files, both ways, without loss.

A chainrule layer k keeps one matrix W^(k) of shape (n_in + 1, n_out), its bias as the last row.
PyTorch keeps the same numbers in an ``nn.Linear``: ``weight`` (n_out, n_in) = W[:-1]ᵀ and
``bias`` (n_out,) = W[-1]. In the ``nn.Sequential`` that :func:`~chainrule.to_torch` builds
(Linear, activation, Linear, activation, …) layer k is module 2(k − 1), so the state dict reads::

    {"0.weight": W1[:-1].T, "0.bias": W1[-1], "2.weight": W2[:-1].T, "2.bias": W2[-1], ...}

and ``to_torch(net).load_state_dict(to_state_dict(net, tensors="torch"))`` works, as does the way
back, ``from_state_dict(module.state_dict(), net)``. An ``nn.Sequential(Linear, ReLU, Linear)``
(no module after the last Linear) has the same keys.

A safetensors file holds that state dict (as float32 or float64 arrays) and, in the header's
string metadata, what rebuilds the network from the file alone: ``chainrule_config`` (the
architecture, :meth:`~chainrule.Sequential.get_config` as JSON), and where present
``classes``/``classes_dtype``, ``feature_names``, ``target_name`` and ``scaler``. PyTorch reads
it with ``safetensors.torch.load_file(path)`` straight into ``load_state_dict``. Only
``safetensors.numpy`` is used here: no PyTorch is needed to write or read the files.

The losses agree, so a model can be fine-tuned in PyTorch and brought back: chainrule's
binary cross-entropy with one output is ``nn.BCEWithLogitsLoss()`` (mean) on the logits
``to_torch(net)[:-1](X)``, its cross-entropy is ``nn.CrossEntropyLoss()``, and its squared error
is ``0.5 * ((yhat - y) ** 2).sum(1).mean()`` (see :mod:`chainrule.nn.losses`).

Example:
    >>> module = to_torch(net)                               # chainrule.io.interop
    >>> module.load_state_dict(to_state_dict(net, tensors="torch"))
    >>> ... fine-tune module in PyTorch ...
    >>> from_state_dict(module.state_dict(), net)            # the weights back, in place
    >>> save_safetensors(net, "model.safetensors"); net2 = load_safetensors("model.safetensors")
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data.scaling import Standardizer
from chainrule.io.atomic import atomic_write_bytes
from chainrule.io.interop import _check_network, _import_torch
from chainrule.nn.network import from_config
from chainrule.nn.protocol import Network
from chainrule.version import __version__

__all__ = ["from_state_dict", "load_safetensors", "save_safetensors", "to_state_dict"]

#: the value of the ``format`` metadata entry in chainrule's safetensors files
SAFETENSORS_FORMAT = "chainrule"


def _keys(k: int) -> tuple[str, str]:
    """The state-dict keys of layer k (1-based): module 2(k − 1) of ``to_torch``'s Sequential."""
    return f"{2 * (k - 1)}.weight", f"{2 * (k - 1)}.bias"


def _state_arrays(net: Network) -> dict[str, np.ndarray]:
    state = {}
    for k, W in enumerate(net.weights, start=1):
        weight, bias = _keys(k)
        state[weight] = np.ascontiguousarray(W[:-1].T)
        state[bias] = W[-1].copy()
    return state


def to_state_dict(net: Network, *, tensors: str = "numpy") -> dict[str, Any]:
    """The weights as a PyTorch ``state_dict`` of ``to_torch(net)``: copies, in the net's dtype.

    Args:
        net: a chainrule network without a scaler (like :func:`~chainrule.io.interop.to_torch`, this
            refuses a network that standardises its inputs, since the state dict would not).
        tensors: ``"numpy"`` (arrays; no PyTorch needed) or ``"torch"`` (``torch.Tensor``).

    Returns:
        ``{"0.weight": (n_out, n_in), "0.bias": (n_out,), "2.weight": ..., ...}``, layer k under
        ``f"{2 * (k - 1)}.weight"`` and ``.bias``.
    """
    _check_network(net, "to_state_dict", "a PyTorch state_dict")
    state = _state_arrays(net)
    if tensors == "numpy":
        return state
    if tensors == "torch":
        torch = _import_torch("to_state_dict")
        return {key: torch.from_numpy(value) for key, value in state.items()}
    raise ValueError(f"to_state_dict: tensors must be 'numpy' or 'torch', got {tensors!r}")


def from_state_dict(state_dict: Mapping[str, Any], net_or_config: Any) -> Network:
    """Weights from a PyTorch-layout state dict into a network; returns the network.

    Args:
        state_dict: ``{"0.weight", "0.bias", "2.weight", ...}`` as :func:`to_state_dict` writes
            and ``to_torch(net).state_dict()`` returns: NumPy arrays or ``torch.Tensor``s (moved
            to the CPU and detached). A missing bias (``nn.Linear(bias=False)``) counts as zeros;
            any other missing or extra key is an error that names it.
        net_or_config: a chainrule network, whose weights are overwritten in place (and which is
            returned, its dtype kept), or a config dict (:meth:`~chainrule.Sequential.get_config`)
            from which a new network is built.
    """
    if isinstance(net_or_config, Network):
        config = net_or_config.get_config()
    elif isinstance(net_or_config, Mapping):
        config = dict(net_or_config)
    else:
        raise TypeError(
            "from_state_dict: pass the network to load into, or its config "
            f"(net.get_config()); got {type(net_or_config).__name__}"
        )
    try:
        specs = [(int(s["n_in"]), int(s["n_out"])) for s in config["layers"]]
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            "from_state_dict: the config has no valid 'layers' list of {'n_in', 'n_out', "
            "'activation'}; use net.get_config()"
        ) from None
    dtype = np.dtype(config.get("dtype", "float64"))
    state = {str(key): value for key, value in state_dict.items()}
    expected = {key for k in range(1, len(specs) + 1) for key in _keys(k)}
    extra = sorted(set(state) - expected, key=_natural)
    if extra:
        raise ValueError(
            f"from_state_dict: unexpected keys {extra}; a network of {len(specs)} layers has "
            f"{sorted(expected, key=_natural)} (Linear layers at modules 0, 2, 4, ... of an "
            "nn.Sequential with one activation after each, as chainrule.io.interop.to_torch builds)"
        )
    weights = []
    for k, (n_in, n_out) in enumerate(specs, start=1):
        wkey, bkey = _keys(k)
        if wkey not in state:
            raise ValueError(
                f"from_state_dict: no {wkey!r} for layer {k} ({n_in} → {n_out}); the state dict "
                f"has {sorted(state, key=_natural)}"
            )
        weight = _array(state[wkey], wkey, (n_out, n_in))
        bias = (
            _array(state[bkey], bkey, (n_out,)) if bkey in state else np.zeros(n_out, weight.dtype)
        )
        W = np.empty((n_in + 1, n_out), dtype=dtype)
        W[:-1] = weight.T
        W[-1] = bias
        weights.append(W)
    if isinstance(net_or_config, Network):
        for layer, W in zip(net_or_config.layers, weights, strict=True):
            layer.W.data[...] = W
        return net_or_config
    return from_config(config, weights)


def _array(value: Any, key: str, shape: tuple[int, ...]) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch.Tensor, perhaps on a GPU or wanting grad
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype.kind != "f":
        raise TypeError(f"from_state_dict: {key!r} has dtype {arr.dtype}; expected float weights")
    if arr.shape != shape:
        raise ValueError(
            f"from_state_dict: {key!r} has shape {arr.shape}, expected {shape} "
            "(PyTorch's layout: weight (n_out, n_in), bias (n_out,))"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"from_state_dict: {key!r} holds NaN or infinite values")
    return arr


def _natural(key: str) -> tuple[int, str]:
    head, _, tail = key.partition(".")
    return (int(head), tail) if head.isdigit() else (10**9, key)


# -- safetensors ----------------------------------------------------------------------------------
def _import_safetensors(caller: str) -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"chainrule.io.torch_io.{caller} needs the safetensors package, which is missing; "
            'install it with `pip install "chainrule[safetensors]"`'
        ) from None
    return safetensors


def save_safetensors(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write the weights (PyTorch layout) and the architecture to a safetensors file, atomically.

    The tensors are :func:`to_state_dict`'s, so ``safetensors.torch.load_file(path)`` loads into
    ``to_torch(net)``; the metadata (strings) holds the config, classes, feature names, target
    name and scaler, so :func:`load_safetensors` rebuilds the network from the file alone. A
    network with a scaler is allowed here: the scaler is kept in the metadata (a PyTorch user
    must apply it to X: z = (x − mean)/scale).
    """
    st = _import_safetensors("save_safetensors")
    if not isinstance(net, Network):
        raise TypeError(
            f"save_safetensors: expected a chainrule MLP or Sequential, got {type(net).__name__}"
        )
    for k, W in enumerate(net.weights, start=1):
        if not np.isfinite(W).all():
            raise ValueError(f"save_safetensors: W{k} holds NaN or infinite values; not saved")
    meta = {
        "format": SAFETENSORS_FORMAT,
        "format_version": "1",
        "chainrule_version": __version__,
        "chainrule_config": json.dumps(net.get_config()),
        "layout": "torch.nn.Sequential(Linear, activation, ...): weight (n_out, n_in), bias",
    }
    if net.classes is not None:
        classes = np.asarray(net.classes)
        if classes.dtype == object:
            classes = np.asarray(classes.tolist())
        meta["classes"] = json.dumps(classes.tolist(), ensure_ascii=False)
        meta["classes_dtype"] = classes.dtype.str
    if net.feature_names is not None:
        meta["feature_names"] = json.dumps([str(n) for n in net.feature_names], ensure_ascii=False)
    if getattr(net, "target_name", None) is not None:
        meta["target_name"] = str(net.target_name)
    if net.scaler is not None:
        meta["scaler"] = json.dumps(net.scaler.to_dict())
    data = st.numpy.save(_state_arrays(net), metadata=meta)
    return atomic_write_bytes(path, data, "the safetensors file")


def load_safetensors(path: str | os.PathLike[str], net_or_config: Any = None) -> Network:
    """Read a safetensors file of PyTorch-layout weights into a chainrule network.

    Args:
        path: the file (from :func:`save_safetensors`, or ``safetensors.torch.save_file`` of a
            ``to_torch`` module's state dict).
        net_or_config: ``None`` to rebuild the network from the file's metadata (classes,
            feature names, target name and scaler restored too); a network to load the weights
            into (in place, weights only); or a config dict for a file without chainrule
            metadata.
    """
    st = _import_safetensors("load_safetensors")
    from safetensors import safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="np") as f:
            meta = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118
    except FileNotFoundError:
        raise
    except (OSError, ValueError, st.SafetensorError) as err:
        raise ValueError(f"{path}: not a readable safetensors file ({err})") from None
    rebuild = net_or_config is None
    if rebuild:
        if "chainrule_config" not in meta:
            raise ValueError(
                f"{path}: the file has no chainrule architecture in its metadata (was it written "
                "by PyTorch?); pass the network to load into, or its config: "
                "load_safetensors(path, net) or load_safetensors(path, net.get_config())"
            )
        try:
            net_or_config = json.loads(meta["chainrule_config"])
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: the chainrule_config metadata is not JSON ({err})") from None
    net = from_state_dict(tensors, net_or_config)
    if rebuild:
        _restore_extras(net, meta)
    return net


def _restore_extras(net: Network, meta: dict[str, str]) -> None:
    if "classes" in meta:
        dtype = meta.get("classes_dtype")
        net.classes = np.asarray(json.loads(meta["classes"]), dtype=dtype and np.dtype(dtype))
    if "feature_names" in meta:
        net.feature_names = [str(n) for n in json.loads(meta["feature_names"])]
    if "target_name" in meta:
        net.target_name = meta["target_name"]
    if "scaler" in meta:
        net.scaler = Standardizer.from_dict(json.loads(meta["scaler"]))
