"""A computation recorded once through the engine, then replayed on new arrays of the same shapes.

A training step calls the same primitives in the same order every time: affine, sigmoid, affine,
the loss. The general engine pays for that generality on every call: a Tensor per result, dtype
checks, a topological sort, a dict of gradients keyed by node. For a small network that
bookkeeping costs more than the arithmetic. A :class:`Program` pays it once. While the engine runs
the step, ``Function.apply`` appends each call to a tape (the op, its input arrays, its settings,
its output); the program turns the tape into slots — an index for each array: the inputs, then
each op's output — and afterwards runs only the primitives' own ``forward`` and ``backward`` rules
in the recorded order, on plain arrays, with the new batch in the input slots::

    forward:   slot[out] = Op.forward(ctx, slot[in₁], slot[in₂], ..., **settings)   for each op
    backward:  grads of the inputs += Op.backward(ctx, grad[out])                  in reverse

The gradients are the engine's: the same rules, on the same arrays, visited in the order of the
engine's own reverse walk (:func:`~chainrule.backprop.toposort`, taken once when recording), so a
value used by several ops sums its gradients in the same order and the result is the very bits
:func:`~chainrule.backprop.backprop` gives. ``tests/test_fast_path.py`` checks them for every
activation and loss.

What may be recorded: every array an op reads must be a program input, an earlier op's output, or
a scalar constant. Anything else (an array made inside the function, which a replay would reuse
stale) makes :meth:`Program.record` return no program, and the caller keeps to the engine.

Example:
    >>> program, E = Program.record(lambda X: net.loss_of(X, y, w), [X], net.parameters())
    >>> value, grads = program.run([X_next], net.weights)    # E and [∂E/∂W1, ...] on new data
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.backprop import _conform, toposort
from chainrule.function import RECORDER, _conform_output
from chainrule.modes import enable_grad
from chainrule.tensor import Tensor

_new = object.__new__
ndarray = np.ndarray


class Program:
    """A recorded computation E = f(inputs; weights): its ops over slots, ready to replay.

    Attributes:
        n_inputs: how many arrays :meth:`run` takes before the weights.
        ops: per op, ``(class, input slots, constant settings, slot settings, needs_input_grad,
            output slot, output dtype)``.
        backward_plan: per op of the graph, in the order the engine's reverse walk visits them,
            ``(op index, output slot, [(input position, input slot)])`` for the inputs that want
            a gradient.
        root: the slot of E; ``root_input``: the slot of the first input of the op that made E
            (the logits or ŷ a loss was computed from).
    """

    def __init__(
        self,
        ops: list[tuple[Any, ...]],
        n_inputs: int,
        n_slots: int,
        wrt: list[int],
        root: int,
        root_input: int | None,
        seed: np.ndarray,
        constants: dict[int, Any],
        walk: list[int],
    ) -> None:
        self.ops = ops
        self.constants = constants
        self.n_inputs = n_inputs
        self.n_slots = n_slots
        self.wrt = wrt
        self.root = root
        self.root_input = root_input
        self.seed = seed
        plan = []
        for k in walk:
            _, in_idx, _, _, nig, out, _ = ops[k]
            targets = [(i, in_idx[i]) for i, needs in enumerate(nig) if needs]
            if targets:
                plan.append((k, out, targets))
        self.backward_plan = plan

    # -- recording ----------------------------------------------------------------------------
    @classmethod
    def record(
        cls, fn: Callable[..., Tensor], inputs: Sequence[np.ndarray], wrt: Sequence[Tensor]
    ) -> tuple[Program | None, Tensor]:
        """Run ``E = fn(*inputs)`` through the engine (gradients on) and record its ops.

        Args:
            fn: computes a scalar Tensor from ``inputs`` and the leaf tensors ``wrt``.
            inputs: the arrays that change from call to call (a batch, its targets, ...).
            wrt: the leaves (weights) whose gradients :meth:`run` returns.

        Returns:
            ``(program, E)``: E is the engine's own result, its graph ready for ``backward``;
            ``program`` is ``None`` when the computation cannot be replayed safely.
        """
        previous = RECORDER.tape
        tape: list[tuple[Any, ...]] = []
        RECORDER.tape = tape
        try:
            with enable_grad():
                E = fn(*inputs)
        finally:
            RECORDER.tape = previous
        return cls._build(tape, list(inputs), list(wrt), E), E

    @classmethod
    def _build(
        cls, tape: list[tuple[Any, ...]], inputs: list[Any], wrt: list[Tensor], E: Tensor
    ) -> Program | None:
        arrays = [*inputs, *(p.data for p in wrt)]
        slot: dict[int, int] = {}
        for i, a in enumerate(arrays):
            if type(a) is not np.ndarray or id(a) in slot:
                return None  # not an array, or the same array twice: slots would be ambiguous
            slot[id(a)] = i
        n = len(arrays)
        constants: dict[int, Any] = {}
        ops = []
        op_of_node: dict[int, int] = {}
        for op, ctx, op_inputs, params, out, dtype in tape:
            op_of_node[id(ctx)] = len(ops)
            in_idx = []
            for a in op_inputs:
                j = slot.get(id(a))
                if j is None:
                    if not _scalar(a):
                        return None
                    j, n = n, n + 1
                    constants[j] = a
                in_idx.append(j)
            fixed, varying = {}, []
            for key, value in params.items():
                j = slot.get(id(value)) if isinstance(value, np.ndarray) else None
                if j is not None:
                    varying.append((key, j))
                elif isinstance(value, np.ndarray) and not _scalar(value):
                    return None
                else:
                    fixed[key] = value
            recorded = "parents" in ctx.__dict__  # part of the graph (an input required grad)
            nig = ctx.needs_input_grad if recorded else (False,) * len(in_idx)
            slot[id(out)] = n
            ops.append((op, tuple(in_idx), fixed, tuple(varying), nig, n, dtype))
            n += 1
        if E._node is None or not ops or slot.get(id(E.data)) != n - 1:
            return None  # E is not the last op's output: nothing to replay
        # The backward pass visits the ops in the engine's own order, so that a value used by
        # several ops sums their gradients in the same order, to the same bits.
        walk = [op_of_node.get(id(node), -1) for node in reversed(toposort(E._node))]
        if -1 in walk:
            return None  # the graph reaches ops made before recording began
        return cls(
            ops,
            n_inputs=len(inputs),
            n_slots=n,
            wrt=list(range(len(inputs), len(arrays))),
            root=n - 1,
            root_input=ops[-1][1][0] if ops[-1][1] else None,
            seed=np.ones_like(E.data),
            constants=constants,
            walk=walk,
        )

    # -- replaying ----------------------------------------------------------------------------
    def run(
        self, inputs: Sequence[np.ndarray], weights: Sequence[np.ndarray], out: Any = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """E and [∂E/∂w for w in weights], by the recorded ops' forward and backward rules.

        ``inputs`` and ``weights`` must have the shapes and dtypes they had when recorded (the
        caller keys its programs by them). With ``out``, the value in :attr:`root_input` (the
        loss's input) is copied into it.
        """
        slots: list[Any] = [*inputs, *weights]
        slots += [None] * (self.n_slots - len(slots))
        for j, c in self.constants.items():
            slots[j] = c
        ctxs = []
        # The loop body is the engine's hot path for small networks: no helper calls, one
        # branch per arity instead of building an argument list.
        for op, in_idx, fixed, varying, nig, o, dtype in self.ops:
            ctx = _new(op)
            ctx.needs_input_grad = nig
            if varying:
                params = dict(fixed)
                for key, j in varying:
                    params[key] = slots[j]
            else:
                params = fixed
            if len(in_idx) == 1:
                y = op.forward(ctx, slots[in_idx[0]], **params)
            elif len(in_idx) == 2:
                y = op.forward(ctx, slots[in_idx[0]], slots[in_idx[1]], **params)
            else:
                y = op.forward(ctx, *[slots[j] for j in in_idx], **params)
            if type(y) is not ndarray or y.dtype != dtype:
                y = _conform_output(op, y, dtype)
            slots[o] = y
            ctxs.append(ctx)
        value = slots[self.root]
        if out is not None:
            out[...] = slots[self.root_input]
        grads: list[Any] = [None] * self.n_slots
        grads[self.root] = self.seed
        for k, o, targets in self.backward_plan:
            g = grads[o]
            if g is None:
                continue  # this op's output does not reach E: the engine never visits it
            grads[o] = None
            ctx = ctxs[k]
            ctxs[k] = None  # frees what it saved, as the engine's walk does
            results = ctx.backward(ctx, g)
            if type(results) is not tuple:
                results = (results,)
            for i, j in targets:
                gi = results[i]
                if gi is None:
                    continue
                x = slots[j]
                if type(gi) is not ndarray or gi.shape != x.shape or gi.dtype != x.dtype:
                    gi = _conform(ctx, i, gi, x)
                prev = grads[j]
                grads[j] = gi if prev is None else prev + gi
        return value, [
            grads[j] if grads[j] is not None else np.zeros_like(slots[j]) for j in self.wrt
        ]


def _scalar(a: Any) -> bool:
    """A constant a replay may reuse: a number or a one-element array."""
    return not isinstance(a, np.ndarray) or a.size == 1
