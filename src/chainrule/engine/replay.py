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
from keyword import iskeyword
from typing import Any

import numpy as np

from chainrule.engine.backward import _conform, toposort
from chainrule.engine.function import RECORDER, _conform_output
from chainrule.engine.modes import enable_grad
from chainrule.engine.tensor import Tensor

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
        self._run = self._generate()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (with a network) without its generated function, which is made again."""
        state = self.__dict__.copy()
        state.pop("_run", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._run = self._generate()

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
        return self._run(inputs, weights, out)

    def _generate(self) -> Callable[..., tuple[np.ndarray, list[np.ndarray]]]:
        """The replay as one straight-line Python function, made once per program.

        For a small network the replay's own interpreting (a loop over the ops, list indexing,
        argument lists built per call) costs as much as the rules; unrolled into local variables
        it is a sequence of rule calls and checks. Every step of it is what the loop form of the
        engine does, in the same order: a fresh ``ctx`` per op, the output conformed to the
        recorded dtype, gradients checked against their inputs, summed in the walk's order, and
        each ctx dropped once its backward has run (freeing what it saved).
        """
        env: dict[str, Any] = {
            "new": _new,
            "ndarray": ndarray,
            "conform_out": _conform_output,
            "conform_grad": _conform,
            "zeros_like": np.zeros_like,
            "SEED": self.seed,
        }
        code = ["def run(inputs, weights, out):"]
        n_in = self.n_inputs
        names = [f"s{j}" for j in range(n_in)]
        code.append(f"    {', '.join(names)}, = inputs")
        if self.wrt:
            code.append(f"    {', '.join(f's{j}' for j in self.wrt)}, = weights")
        for j, c in self.constants.items():
            env[f"s{j}"] = c  # a constant: read as a global
        for k, (op, in_idx, fixed, varying, nig, o, dtype) in enumerate(self.ops):
            env[f"OP{k}"], env[f"F{k}"], env[f"N{k}"], env[f"D{k}"] = op, op.forward, nig, dtype
            args = [f"c{k}", *(f"s{j}" for j in in_idx)]
            plain = all(key.isidentifier() and not iskeyword(key) for key in fixed)
            plain = plain and all(key.isidentifier() and not iskeyword(key) for key, _ in varying)
            if plain:
                for key, value in fixed.items():
                    env[f"P{k}_{key}"] = value
                    args.append(f"{key}=P{k}_{key}")
                args += [f"{key}=s{j}" for key, j in varying]
            else:  # settings whose names are not identifiers: passed as a dict
                env[f"P{k}"] = fixed
                pairs = ", ".join(f"{key!r}: s{j}" for key, j in varying)
                args.append(f"**{{**P{k}, {pairs}}}")
            code += [
                f"    c{k} = new(OP{k})",
                f"    c{k}.needs_input_grad = N{k}",
                f"    s{o} = F{k}({', '.join(args)})",
                f"    if type(s{o}) is not ndarray or (s{o}.dtype is not D{k}"
                f" and s{o}.dtype != D{k}):",
                f"        s{o} = conform_out(OP{k}, s{o}, D{k})",
            ]
        if self.root_input is not None:
            code += ["    if out is not None:", f"        out[...] = s{self.root_input}"]
        targets = sorted({j for _, _, ts in self.backward_plan for _, j in ts} | set(self.wrt))
        grads = [f"g{j}" for j in targets if j != self.root]
        if grads:
            code.append(f"    {' = '.join(grads)} = None")
        code.append(f"    g{self.root} = SEED")
        contributions: dict[int, int] = {}
        for _, _, ts in self.backward_plan:
            for _, j in ts:
                contributions[j] = contributions.get(j, 0) + 1
        for k, o, ts in self.backward_plan:
            ind = "    "
            if o != self.root:  # this op's output may not reach E: the engine never visits it
                code.append(f"    if g{o} is not None:")
                ind = "        "
            env[f"B{k}"] = self.ops[k][0].backward
            code += [
                f"{ind}r = B{k}(c{k}, g{o})",
                f"{ind}g{o} = None",
                f"{ind}if type(r) is not tuple:",
                f"{ind}    r = (r,)",
            ]
            for i, j in ts:
                code += [
                    f"{ind}gi = r[{i}]",
                    f"{ind}if gi is not None:",
                    f"{ind}    if type(gi) is not ndarray or gi.shape != s{j}.shape"
                    f" or gi.dtype != s{j}.dtype:",
                    f"{ind}        gi = conform_grad(c{k}, {i}, gi, s{j})",
                    f"{ind}    g{j} = gi if g{j} is None else g{j} + gi"
                    if contributions[j] > 1  # summed in the walk's order
                    else f"{ind}    g{j} = gi",
                ]
            code.append(f"{ind}c{k} = None  # frees what it saved, as the engine's walk does")
        result = ", ".join(f"g{j} if g{j} is not None else zeros_like(s{j})" for j in self.wrt)
        code.append(f"    return s{self.root}, [{result}]")
        self.source = "\n".join(code)  # kept for reading: what a replay runs
        exec(compile(self.source, f"<chainrule replay of {len(self.ops)} ops>", "exec"), env)
        return env["run"]


def _scalar(a: Any) -> bool:
    """A constant a replay may reuse: a number or a one-element array."""
    return not isinstance(a, np.ndarray) or a.size == 1
