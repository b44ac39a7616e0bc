"""ONNX export: a chainrule network as an ONNX graph that any ONNX runtime can run.

The graph computes exactly the network's feedforward, in the network's dtype (float32 or float64)::

    X ─[Sub mean, Div scale]─ Gemm(W1[:-1], W1[-1]) ─ f_1 ─ … ─ Gemm(WL[:-1], WL[-1]) ─ f_L ─ yhat

* the input is named ``"X"``, shape ``(N, n_features)`` with a dynamic batch dimension ``N``;
* the standardisation a network carries (``net.scaler``: z = (x − μ)/σ) comes first, as in
  :meth:`chainrule.Sequential.check_X`, so the graph takes raw inputs;
* each layer k is one ``Gemm``: h = a·W^(k)[:-1] + W^(k)[-1] (chainrule's folded bias row is
  ONNX's C input), then its activation: ``Sigmoid``, ``Tanh``, ``Relu``,
  ``LeakyRelu(alpha=0.01)``, ``Softmax(axis=-1)``, or nothing for ``identity``;
* the output is named ``"yhat"``: ŷ, shape ``(N, n_outputs)``, what ``net.forward(X)`` returns
  (probabilities for sigmoid and softmax outputs, not labels).

A network trained on a table (``net.preprocessor`` set: imputing, missing indicators,
standardising, one-hot) takes the raw columns instead of ``"X"``: **one input per feature column,
named by the column, shape (N, 1)**, in ``preprocessor.input_names`` order:

* a numeric column: float (the graph's dtype), NaN for a missing cell;
* a bool or text column: string, one of the training categories exactly (``"False"``/``"True"``
  for a bool column); ``""`` for a missing cell. A missing cell, and a string that is not a
  training category, are one-hot all zeros. Preprocessor.transform warns about such an unseen
  category (or refuses it, if fitted with ``unknown="error"``); the graph cannot warn.

The preprocessing is in the graph (:mod:`chainrule.io.onnx_preprocess`), and its X goes on as
above; the metadata then also hold ``inputs``, the layout as JSON (each input's ``name``,
``type`` and, for strings, ``categories``).

The model's ``metadata_props`` record what a runtime needs to turn ŷ into an answer:
``chainrule_version``, ``task``, ``loss``, ``activations``, and where the network has them
``classes`` (JSON list; index i is output column i, or for one sigmoid output the label of
ŷ ≥ 0.5 is ``classes[1]``), ``feature_names`` (JSON list: the columns of X) and ``target_name``.

The file is written atomically (a temporary file in the same folder, synced, then renamed), and
``onnx.checker`` is run on the model before it is written. ``onnx`` is needed only here:
``pip install "chainrule[onnx]"`` (which also brings ``onnxruntime`` to run the result).

Example:
    >>> net.to_onnx("model.onnx")
    >>> sess = onnxruntime.InferenceSession("model.onnx")
    >>> sess.run(["yhat"], {"X": X})[0]          # the same as net.forward(X), to rounding
    >>> sess.run(["yhat"], {"age": [[31.0], [np.nan]], "town": [["Leeds"], [""]]})[0]
    ...                                          # with a preprocessor: one (N, 1) array a column
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.engine.ops.activations import LEAKY_RELU_SLOPE
from chainrule.io.atomic import atomic_write_bytes
from chainrule.io.onnx_preprocess import (
    ML_DOMAIN,
    ML_OPSET,
    input_infos,
    input_layout,
    preprocess_nodes,
)
from chainrule.nn.protocol import Layer, Network
from chainrule.version import __version__

__all__ = ["DEFAULT_OPSET", "onnx_model", "to_onnx"]

#: the ONNX opset the graph is written for (Softmax over axis=-1 needs 13 or newer)
DEFAULT_OPSET = 17

#: chainrule activation → ONNX operator (identity has none)
_ONNX_OPS = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "Relu",
    "leaky_relu": "LeakyRelu",
    "softmax": "Softmax",
}


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs the onnx package, which is not installed; install it with "
            '`pip install "chainrule[onnx]"` (or `pip install onnx onnxruntime`)'
        ) from None
    return onnx


def onnx_model(net: Network, *, opset: int = DEFAULT_OPSET, dtype: Any = None) -> Any:
    """The network as an ``onnx.ModelProto`` (checked by ``onnx.checker``), not written anywhere.

    Args:
        net: a chainrule :class:`~chainrule.Sequential` or :class:`~chainrule.MLP`; with
            ``net.preprocessor`` set, the graph takes its raw columns (see the module docstring).
        opset: the ONNX opset version, at least 13 (Softmax over the last axis). Default 17.
        dtype: the graph's float type, ``float32`` or ``float64``; default the network's. A
            float64 network exported as float32 has its weights rounded to float32.
    """
    onnx = _import_onnx()
    from onnx import TensorProto, helper

    dt = _check_exportable(net, opset, dtype)
    elem = TensorProto.FLOAT if dt == np.float32 else TensorProto.DOUBLE
    prep = net.preprocessor
    inputs = (
        [helper.make_tensor_value_info("X", elem, ["N", net.n_features])]
        if prep is None
        else input_infos(prep, elem)
    )
    graph = _Graph(dt, [i.name for i in inputs])
    a = "X" if prep is None else preprocess_nodes(graph, prep, elem)
    a = graph.scaler_nodes(net, a)
    for k, layer in enumerate(net.layers, start=1):
        a = graph.layer_nodes(k, layer, last=k == len(net.layers), a=a)
    onnx_graph = helper.make_graph(
        graph.nodes,
        "chainrule_" + "_".join(map(str, net.sizes)),
        inputs=inputs,
        outputs=[helper.make_tensor_value_info("yhat", elem, ["N", net.n_outputs])],
        initializer=graph.initializers,
    )
    opsets = [helper.make_opsetid("", opset)]
    if prep is not None and any(s["kind"] == "onehot" for s in prep.columns_):
        opsets.append(helper.make_opsetid(ML_DOMAIN, ML_OPSET))
    model = helper.make_model(
        onnx_graph,
        opset_imports=opsets,
        producer_name="chainrule",
        producer_version=__version__,
        doc_string=f"chainrule {type(net).__name__} {'-'.join(map(str, net.sizes))}",
    )
    # The oldest IR version that can carry this opset, so older runtimes can load the file.
    model.ir_version = helper.find_min_ir_version_for(opsets)
    helper.set_model_props(model, _metadata(net, __version__, dt))
    onnx.checker.check_model(model, full_check=True)
    return model


def _check_exportable(net: Network, opset: Any, dtype: Any) -> np.dtype:
    """The graph's dtype, after checking the network, the opset and the dtype can be exported."""
    if not isinstance(net, Network):
        raise TypeError(
            f"to_onnx: expected a chainrule MLP or Sequential, got {type(net).__name__}"
        )
    if not isinstance(opset, int) or isinstance(opset, bool) or opset < 13:
        raise ValueError(f"to_onnx: opset must be an integer ≥ 13 (Softmax axis=-1), got {opset!r}")
    dt = np.dtype(net.dtype if dtype is None else dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"to_onnx: dtype must be float32 or float64, got {dt}")
    if net.preprocessor is not None:
        _check_preprocessor(net)
    for k, W in enumerate(net.weights, start=1):
        if not np.isfinite(W).all():
            raise ValueError(
                f"to_onnx: W{k} holds NaN or infinite values (training diverged?); "
                "there is nothing sensible to export"
            )
    return dt


def _check_preprocessor(net: Network) -> None:
    """The preprocessor is fitted, gives the network's inputs, and no column is named yhat."""
    prep = net.preprocessor
    n_out = len(getattr(prep, "output_names", []))
    if not getattr(prep, "columns_", None) or n_out != net.n_features:
        raise ValueError(
            f"to_onnx: the network's preprocessor gives {n_out} columns, but the network takes "
            f"{net.n_features} inputs; set net.preprocessor to the one it was trained with"
        )
    if "yhat" in prep.input_names:
        raise ValueError(
            "to_onnx: a feature column is named 'yhat', the name of the graph's output; rename "
            "the column and train again"
        )


class _Graph:
    """The nodes and initializers (constants) of the graph being built, in dtype ``dt``."""

    def __init__(self, dt: np.dtype, inputs: list[str]) -> None:
        self.dt = dt
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.taken = set(inputs)  # every tensor name so far: the inputs, constants, outputs

    def fresh(self, name: str) -> str:
        """``name``, or ``name_2``, ``name_3``, … if a column or tensor already has it."""
        unique, n = name, 1
        while unique in self.taken:
            n += 1
            unique = f"{name}_{n}"
        self.taken.add(unique)
        return unique

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.fresh(name)
        array = np.ascontiguousarray(value, dtype=self.dt)
        self.initializers.append(numpy_helper.from_array(array, name=name))
        return name

    def node(self, op: str, inputs: list[str], output: str, name: str, **attrs: Any) -> str:
        """Add one node (``attrs`` may hold its ``domain``); returns its output's (fresh) name."""
        from onnx import helper

        output = self.fresh(output)
        self.nodes.append(helper.make_node(op, inputs, [output], name, **attrs))
        return output

    def scaler_nodes(self, net: Network, a: str) -> str:
        """z = (x − μ) / σ when the network standardises X, in its dtype as check_X computes it;
        returns the name of the first layer's input."""
        if net.scaler is None:
            return a
        mean = np.asarray(net.scaler.mean_).astype(net.dtype)
        scale = np.asarray(net.scaler.scale_).astype(net.dtype)
        centred = self.node(
            "Sub", [a, self.constant("scaler_mean", mean)], "X_centred", "scale_sub"
        )
        return self.node(
            "Div", [centred, self.constant("scaler_scale", scale)], "X_std", "scale_div"
        )

    def layer_nodes(self, k: int, layer: Layer, *, last: bool, a: str) -> str:
        """Layer k: one Gemm, h = a·W[:-1] + W[-1], then its activation (none for identity);
        the last layer's output is named ``"yhat"``. Returns the name of the layer's output."""
        W = layer.W.data
        act = layer.activation
        h = "yhat" if last and act == "identity" else f"h{k}"
        h = self.node(
            "Gemm",
            [a, self.constant(f"W{k}", W[:-1]), self.constant(f"b{k}", W[-1])],
            h,
            f"layer{k}_affine",
            doc_string=f"h^({k}) = a^({k - 1}) · W{k}[:-1] + W{k}[-1] (the bias row)",
        )
        if act == "identity":
            return h
        attrs: dict[str, Any] = {}
        if act == "leaky_relu":
            attrs["alpha"] = LEAKY_RELU_SLOPE
        elif act == "softmax":
            attrs["axis"] = -1
        out = "yhat" if last else f"a{k}"
        return self.node(_ONNX_OPS[act], [h], out, f"layer{k}_{act}", **attrs)


def _metadata(net: Network, version: str, dt: np.dtype) -> dict[str, str]:
    meta = {
        "chainrule_version": version,
        "task": net.task,
        "loss": net.loss,
        "activations": json.dumps(net.activations),
        "sizes": json.dumps(net.sizes),
    }
    if net.classes is not None:
        classes = np.asarray(net.classes)
        if classes.dtype == object:  # e.g. labels from pandas: NumPy scalars inside
            classes = np.asarray(classes.tolist())
        meta["classes"] = json.dumps(classes.tolist(), ensure_ascii=False)
    if net.feature_names is not None:
        meta["feature_names"] = json.dumps([str(n) for n in net.feature_names], ensure_ascii=False)
    if getattr(net, "target_name", None) is not None:
        meta["target_name"] = str(net.target_name)
    if net.preprocessor is not None:
        meta["inputs"] = json.dumps(input_layout(net.preprocessor, dt), ensure_ascii=False)
    return meta


def to_onnx(
    net: Network,
    path: str | os.PathLike[str],
    *,
    opset: int = DEFAULT_OPSET,
    dtype: Any = None,
) -> Path:
    """Write the network to ``path`` as an ONNX model, atomically; returns the path.

    Input ``"X"`` (N, n_features), output ``"yhat"`` (N, n_outputs), in the network's dtype
    (or ``dtype``), the stored standardisation included. A network with a preprocessor takes
    its raw columns instead, each an input named by the column, shape (N, 1): float with NaN
    for missing (numeric), or string with ``""`` for missing (bool, text; an unseen category is
    all zeros, without the warning Preprocessor.transform gives). See :func:`onnx_model` for the
    options and this module's docstring for the graph and its metadata.

    Example:
        >>> cr.onnx_export.to_onnx(net, "model.onnx")        # or net.to_onnx("model.onnx")
    """
    model = onnx_model(net, opset=opset, dtype=dtype)
    return atomic_write_bytes(path, model.SerializeToString(), "the ONNX model")
