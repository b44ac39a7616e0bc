"""What the floors above use of a network: the :class:`Network` and :class:`Layer` protocols.

The training loop (``chainrule.training``), the model files and converters (``chainrule.io``) and
the explainer (``chainrule.explain``) are typed against these protocols, not against a class, so
any object with these members can be trained, saved, exported and explained.
:class:`chainrule.nn.network.Sequential` and :class:`~chainrule.nn.network.MLP` (and the model
classes a user holds, ``chainrule.MLP``) satisfy them. ``tests/test_network_protocol.py`` reads
those floors' sources and fails when one of them uses a member that is not named here: a new use
must be added here first, where a reader sees the whole interface at once.

Which floor uses which member (1-based layer k as in the lecture):

==================== ======================================================================
member               used by
==================== ======================================================================
layers               explain (core), io (interop, onnx_export), training (trainer)
weights              explain (core), io (modelfile, interop, torch_io, onnx_export),
                     training (callbacks)
parameters()         training (loop, trainer)
sizes, activations   explain (core, document), io (onnx_export)
n_features           explain (core), io (modelfile, onnx_export)
n_outputs            explain (core), io (modelfile, onnx_export), training (prepare)
dtype                explain (core, proof), io (interop, onnx_export), training (prepare)
loss                 explain (core), io (onnx_export)
task                 io (modelfile, interop, onnx_export), training (prepare)
classes, scaler,     io (modelfile, interop, torch_io, onnx_export), training (prepare, plots)
feature_names        (``feature_names`` also explain)
preprocessor         io (modelfile): a fitted ``chainrule.data.Preprocessor`` or None
target_name          io (modelfile, torch_io, onnx_export)
history              io (modelfile), training (trainer)
metadata             io (modelfile)
get_config()         io (modelfile, torch_io)
check_data()         explain (core), training (prepare)
forward()            explain (core)
predict()            training (plots)
value_and_gradients  explain (core)
error_function()     explain (proof)
output_and_loss()    training (trainer): the validation loss and what it was computed from
train_step()         training (trainer)
==================== ======================================================================

Of a layer: ``W`` (the weight :class:`~chainrule.nn.layers.Parameter`; explain's proof replaces
it with a float64 copy), ``activation``, ``n_in``, ``n_out`` (io), ``pre_activation`` and
``activate`` (training, to name the layer that overflowed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload, runtime_checkable

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn.layers import Parameter

if TYPE_CHECKING:
    from chainrule.nn.network import Trace


@runtime_checkable
class Layer(Protocol):
    """A layer k: h^(k) = [a^(k−1), 1] · W^(k), a^(k) = f_k(h^(k)), W of shape (n_in + 1, n_out)."""

    W: Parameter
    activation: str
    n_in: int
    n_out: int

    def pre_activation(self, x: Any) -> Tensor:
        """h = [x, 1] · W."""
        ...

    def activate(self, h: Any) -> Tensor:
        """a = f(h)."""
        ...


@runtime_checkable
class Network(Protocol):
    """A feedforward network of :class:`Layer` s with an error function, as the floors above use it.

    The members are those of :class:`chainrule.nn.network.Sequential`; see its docstrings for
    the math, the shapes and the defaults.
    """

    classes: np.ndarray | None
    scaler: Any
    preprocessor: Any
    feature_names: list[str] | None
    target_name: str | None
    history: Any
    metadata: dict[str, Any] | None
    loss: str

    # -- what it is
    @property
    def layers(self) -> Sequence[Layer]: ...
    @property
    def sizes(self) -> list[int]: ...
    @property
    def n_features(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    @property
    def dtype(self) -> np.dtype[Any]: ...
    @property
    def activations(self) -> list[str]: ...
    @property
    def weights(self) -> list[np.ndarray]: ...
    @property
    def task(self) -> str: ...
    def parameters(self) -> list[Tensor]: ...
    def get_config(self) -> dict[str, Any]: ...

    # -- feedforward
    @overload
    def forward(self, X: Any, trace: Literal[False] = False) -> np.ndarray: ...
    @overload
    def forward(self, X: Any, trace: Literal[True]) -> Trace: ...
    def forward(self, X: Any, trace: bool = False) -> np.ndarray | Trace: ...
    def predict(self, X: Any) -> np.ndarray: ...

    # -- the error and its gradient
    def check_data(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def output_and_loss(
        self,
        X: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        weights: Sequence[Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]: ...
    def value_and_gradients(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> tuple[float, list[np.ndarray]]: ...
    def error_function(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> Callable[..., Tensor]: ...
    def train_step(
        self,
        X: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        optimizer: Any,
        out: np.ndarray | None = None,
    ) -> float: ...


__all__ = ["Layer", "Network"]
