"""A computation recorded once through the engine, then replayed on new arrays of the same shapes.

A training step calls the same primitives in the same order every time: affine, sigmoid, affine,
the loss. The general engine pays for that generality on every call: a Tensor per result, dtype
checks, a topological sort, the numbering of the graph's gradients. For a small network that
bookkeeping costs more than the arithmetic. A :class:`Program` pays it once. While the engine runs
the step, ``Function.apply`` appends each call to a tape (the op, its input arrays, its settings,
its output); the program turns the tape into slots — an index for each array: the inputs, the
weights, then each op's output — and keeps the engine's own plan of the reverse walk
(:func:`~chainrule.engine.backward.build_plan`). A replay is then two loops on plain arrays::

    forward:   slot[out] = Op.forward(ctx, slot[in₁], slot[in₂], ..., **settings)   for each op
    backward:  sweep(plan, ctxs, grads)          the engine's own reverse pass, in its own order

The backward half is not a copy of the engine: it is :func:`~chainrule.engine.backward.sweep`, the
routine :func:`~chainrule.engine.backward.backprop` runs on the live graph, over the same plan, so
the gradients are the engine's bit for bit (``tests/test_fast_path.py`` keeps checking it for
every activation and loss). What a replay saves is the graph: no Tensors, no dtype checks of the
inputs, no topological sort, no plan to build.

What may be recorded: every array an op reads must be a program input, an earlier op's output, or
a scalar constant. Anything else (an array made inside the function, which a replay would reuse
stale) makes :meth:`Program.record` return no program, and the caller keeps to the engine.

Example:
    >>> program, E = Program.record(lambda X: net.loss_of(X, y, w), [X], net.parameters())
    >>> value, grads = program.run([X_next], net.weights)    # E and [∂E/∂W1, ...] on new data
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.backward import Plan, build_plan, sweep
from chainrule.engine.function import RECORDER, Call, Function, _conform_output
from chainrule.engine.modes import enable_grad
from chainrule.engine.tensor import Tensor

_new = object.__new__
_ndarray = np.ndarray


class Op(NamedTuple):
    """One recorded call: ``slot[out] = op.forward(ctx, *slot[inputs], **fixed, **varying)``."""

    op: type[Function]
    forward: Callable[..., Any]  # op.forward
    inputs: tuple[int, ...]  # the slots of its input arrays
    fixed: dict[str, Any]  # settings that do not change (axis=..., a scalar)
    varying: tuple[tuple[str, int], ...]  # settings read from a slot: (name, slot), e.g. y=, w=
    needs_input_grad: tuple[bool, ...]
    out: int  # the slot of its output
    dtype: np.dtype[Any]  # of its output
    node: int  # its place in the ops :func:`sweep` takes (the root last); -1: not in the graph


class Program:
    """A recorded computation E = f(inputs; weights): its ops over slots, ready to replay.

    Attributes:
        n_inputs: how many arrays :meth:`run` takes before the weights.
        ops: the recorded calls, in the order they ran (:class:`Op`).
        values: the slots as a replay starts them: ``None``, but for the recorded constants.
        plan: the engine's plan of the reverse walk (:class:`~chainrule.engine.backward.Plan`),
            made once when recording; ``n_nodes`` ops of it take part.
        weight_slots: per weight, the plan's slot of its gradient (-1: E does not depend on it).
        seed: dE/dE = 1, shaped like E.
        root: the slot of E; ``root_input``: the slot of the first input of the op that made E
            (the logits or ŷ a loss was computed from).
    """

    def __init__(
        self,
        ops: list[Op],
        values: list[Any],
        n_inputs: int,
        plan: Plan,
        weight_slots: list[int],
        seed: Array,
    ) -> None:
        self.ops = ops
        self.values = values
        self.n_inputs = n_inputs
        self.plan = plan
        self.weight_slots = weight_slots
        self.seed = seed
        self.root = ops[-1].out
        self.root_input = ops[-1].inputs[0] if ops[-1].inputs else None
        self.n_nodes = sum(op.node >= 0 for op in ops)

    # -- recording ----------------------------------------------------------------------------
    @classmethod
    def record(
        cls, fn: Callable[..., Tensor], inputs: Sequence[Array], wrt: Sequence[Tensor]
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
        tape: list[Call] = []
        RECORDER.tape = tape
        try:
            with enable_grad():
                E = fn(*inputs)
        finally:
            RECORDER.tape = previous
        return cls._build(tape, list(inputs), list(wrt), E), E

    @classmethod
    def _build(
        cls, tape: list[Call], inputs: list[Any], wrt: list[Tensor], E: Tensor
    ) -> Program | None:
        """The program of ``tape``, or ``None`` when a replay could not recompute every array."""
        if E._node is None or not tape or tape[-1][4] is not E.data:
            return None  # E is not the last op's output: nothing to replay
        plan, nodes, leaves = build_plan(E._node)
        walk = {id(node): k for k, node in enumerate(nodes)}
        slotted = _slots(tape, [*inputs, *(p.data for p in wrt)], walk)
        if slotted is None or len(walk) != sum(op.node >= 0 for op in slotted[0]):
            return None  # unslottable arrays, or the graph reaches ops made before recording
        weight_of = {id(p): i for i, p in enumerate(wrt)}
        weight_slots = [-1] * len(wrt)
        for j, leaf in enumerate(leaves, len(nodes)):
            i = weight_of.get(id(leaf))
            if i is not None:
                weight_slots[i] = j
        ops, values = slotted
        return cls(ops, values, len(inputs), plan, weight_slots, np.ones_like(E.data))

    # -- replaying ----------------------------------------------------------------------------
    def run(
        self, inputs: Sequence[Array], weights: Sequence[Array], out: Array | None = None
    ) -> tuple[Array, list[Array]]:
        """E and [∂E/∂w for w in weights]: the recorded forward rules, then the engine's sweep.

        ``inputs`` and ``weights`` must have the shapes and dtypes they had when recorded (the
        caller keys its programs by them). With ``out``, the value in :attr:`root_input` (the
        loss's input) is copied into it. A replay runs no anomaly checks: under
        ``detect_anomaly`` use the engine (``net.train_step`` does).
        """
        values = self.values.copy()
        n = self.n_inputs
        values[:n] = inputs
        values[n : n + len(weights)] = weights
        nodes = cast("list[Function]", [None] * self.n_nodes)  # each filled by its op below
        get = values.__getitem__
        for op, forward, in_idx, fixed, varying, nig, o, dtype, k in self.ops:
            ctx = _new(op)
            ctx.needs_input_grad = nig
            if varying:
                fixed = fixed.copy()
                for key, j in varying:
                    fixed[key] = values[j]
            y = forward(ctx, *map(get, in_idx), **fixed)
            if type(y) is not _ndarray or (y.dtype is not dtype and y.dtype != dtype):
                y = _conform_output(op, y, dtype)
            values[o] = y
            if k >= 0:
                nodes[k] = ctx
        if out is not None and self.root_input is not None:
            out[...] = values[self.root_input]
        grads: list[Array | None] = [None] * self.plan.n_slots
        grads[0] = self.seed
        # The ctx objects are this run's alone: as sweep pops each, what it saved is freed.
        sweep(self.plan.steps, nodes, grads, anomaly=False, release=False)
        result = []
        for w, j in zip(weights, self.weight_slots, strict=True):
            g = grads[j] if j >= 0 else None
            result.append(np.zeros_like(w) if g is None else g)
        return values[self.root], result


def _slots(
    tape: list[Call], arrays: list[Any], walk: dict[int, int]
) -> tuple[list[Op], list[Any]] | None:
    """The tape as :class:`Op` over slots (``arrays`` first), and the slots' constants.

    ``walk`` maps ``id(ctx)`` to the op's position in the reverse walk. ``None`` when an op reads
    an array that is neither a slot nor a scalar (a replay would reuse it stale).
    """
    slot: dict[int, int] = {}
    for i, a in enumerate(arrays):
        if type(a) is not np.ndarray or id(a) in slot:
            return None  # not an array, or the same array twice: slots would be ambiguous
        slot[id(a)] = i
    values: list[Any] = [None] * len(arrays)
    ops = []
    for op, ctx, op_inputs, params, out, dtype in tape:
        in_idx = []
        for a in op_inputs:
            j = slot.get(id(a))
            if j is None:
                if not _scalar(a):
                    return None
                j = len(values)
                values.append(a)  # a constant: the same in every replay
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
        slot[id(out)] = len(values)
        node = walk.get(id(ctx), -1)
        o = len(values)
        ops.append(Op(op, op.forward, tuple(in_idx), fixed, tuple(varying), nig, o, dtype, node))
        values.append(None)
    return ops, values


def _scalar(a: Any) -> bool:
    """A constant a replay may reuse: a number or a one-element array."""
    return not isinstance(a, np.ndarray) or a.size == 1
