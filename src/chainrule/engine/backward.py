"""The reverse pass: the chain rule applied to the whole graph, one op at a time.

Starting from the output with ``dE/dE = 1``, the walk visits each op after every op that used its
output (a reverse topological order), so when it reaches an op, the gradient of its output is
complete: the sum over all the paths that lead from it to E. The op's backward rule turns that into
the gradients of its inputs, and the walk goes on.

The walk is done in two parts, so that a recorded step can repeat the second alone
(:mod:`chainrule.engine.replay`):

* :func:`build_plan` orders the graph (an explicit stack, not recursion, so a chain of any length
  works) and numbers every gradient it will hold: slot ``k`` for the output of the k-th op walked
  (the root is 0), then one slot per leaf. Each op gets its **targets**: for each input that wants
  a gradient, ``(input position, slot, shape, dtype)``.
* :func:`sweep` runs the plan: for op k, ``g = grads[k]``, the rule's results ``op.backward(ctx,
  g)`` are checked against the targets' shapes and dtypes and added into their slots
  (``grads[j] += ∂E/∂input``, in the walk's order). Each gradient is dropped as soon as it has been
  used, and so (unless ``retain_graph``) is everything the op saved: memory is freed as it goes.

:func:`backprop` is both, on the live graph; a replay keeps the plan and sweeps it again over the
fresh ``ctx`` of each op it has re-run forward: one backward path either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.modes import STATE, check_backward
from chainrule.errors import GraphError, ShapeError

if TYPE_CHECKING:
    import weakref

    from chainrule.engine.function import Function
    from chainrule.engine.tensor import Tensor

#: one input of an op that wants a gradient: (its position among the op's inputs, the slot its
#: gradient is summed in, its shape, its dtype)
Target = tuple[int, int, tuple[int, ...], np.dtype[Any]]

_ndarray = np.ndarray


class Plan(NamedTuple):
    """The reverse walk of one graph as indices: no arrays, no references to the graph.

    Attributes:
        steps: per op in walk order (the root first), the targets of its rule. The gradient of the
            k-th op's output is slot ``k``; leaves have the slots after the ops'.
        n_slots: ops plus leaves: the length of the ``grads`` list :func:`sweep` works in.
    """

    steps: list[tuple[Target, ...]]
    n_slots: int


def backprop(
    root: Tensor,
    grad: Any = None,
    *,
    accumulate: bool,
    retain_graph: bool = False,
    wrt: Sequence[Tensor] | None = None,
) -> dict[int, Array]:
    """Run the chain rule from ``root`` back to the leaves.

    Args:
        root: the Tensor to differentiate.
        grad: ``dE/droot`` shaped like ``root``; may be omitted when ``root`` has one element.
        accumulate: add the leaves' gradients into their ``.grad`` (``Tensor.backward``).
        retain_graph: keep the saved values so the graph can be walked again.
        wrt: leaves whose gradients to return (``cr.grad``); ``None``: return none.

    Returns:
        ``{id(leaf): gradient}`` for the leaves in ``wrt`` that ``root`` depends on.
    """
    found: dict[int, Array] = {}
    for leaf, g, owned in _walk(root, _seed(root, grad), retain_graph):
        found[id(leaf)] = g
        if accumulate and leaf.requires_grad:
            if leaf.grad is None:
                leaf.grad = g if owned else g.copy()
            else:
                leaf.grad += g
    if wrt is None:
        return {}
    return {id(t): found[id(t)] for t in wrt if id(t) in found}


def _walk(root: Tensor, seed: Array, retain_graph: bool) -> list[tuple[Tensor, Array, bool]]:
    """Per leaf reached: ``(leaf, ∂E/∂leaf, owned)``; owned: a sum made here, shared with no one
    (a single contribution may be an array a rule also gave another input)."""
    node = root._node
    if node is None:
        if not root.requires_grad:
            raise GraphError(
                "backward: this tensor does not require grad: none of the tensors it was computed "
                "from has requires_grad=True, or it was computed inside cr.no_grad()."
            )
        return [(root, seed, False)]
    plan, nodes, leaves = build_plan(node)
    grads: list[Array | None] = [None] * plan.n_slots
    grads[0] = seed
    if STATE.anomaly:  # an AnomalyError names the op, in place of NumPy's warnings
        with np.errstate(all="ignore"):
            summed = sweep(plan.steps, nodes, grads, anomaly=True, release=not retain_graph)
    else:
        summed = sweep(plan.steps, nodes, grads, anomaly=False, release=not retain_graph)
    first = plan.n_slots - len(leaves)
    return [
        (leaf, g, j in summed)
        for j, leaf in enumerate(leaves, first)
        if (g := grads[j]) is not None
    ]


def _seed(root: Tensor, grad: Any) -> Array:
    data = root.data
    if grad is None:
        if data.size != 1:
            raise ShapeError(
                f"backward: the output has shape {data.shape}, not a single number, so its "
                "gradient must be given: out.backward(g) with g of that shape, or reduce it "
                "first, e.g. out.sum().backward()."
            )
        return np.ones_like(data)
    g = np.asarray(grad.data if hasattr(grad, "_node") else grad, dtype=data.dtype)
    if g.shape != data.shape:
        raise ShapeError(
            f"backward: the upstream gradient has shape {g.shape} but the output has shape "
            f"{data.shape}; they must match."
        )
    return g


def toposort(root_node: Function) -> list[Function]:
    """The ops that ``root_node`` depends on, each after all of its inputs' ops (no recursion)."""
    order = []
    visited = set()
    stack = [(root_node, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in visited:
            continue
        if node.released:
            raise GraphError(
                f"backward through the graph a second time: op '{node.name}' already released "
                "what it saved during the first backward. Pass retain_graph=True to the first "
                "backward() if you need to walk the graph again."
            )
        visited.add(node)
        stack.append((node, True))
        for p in node.parents:
            if p is not None and p._node is not None and p._node not in visited:
                stack.append((p._node, False))
    return order


def build_plan(root_node: Function) -> tuple[Plan, list[Function], list[Tensor]]:
    """The walk from ``root_node``: ``(plan, ops, leaves in slot order)``.

    ``ops`` is in :func:`toposort` order, the root last: the walk takes them from the end, op k of
    the walk (``ops[-1 - k]``) holding its output's gradient in slot k, and leaf i in slot
    ``len(ops) + i``.
    """
    nodes = toposort(root_node)
    last = len(nodes) - 1
    slot_of_node = {node: last - i for i, node in enumerate(nodes)}
    slot_of_leaf: dict[int, int] = {}
    leaves: list[Tensor] = []
    steps = []
    for node in reversed(nodes):  # the root first: every op after all the ops that used its output
        targets = []
        for i, p in enumerate(node.parents):
            if p is None:
                continue
            child = p._node
            if child is not None:
                j = slot_of_node[child]
            else:
                j = slot_of_leaf.get(id(p), -1)
                if j < 0:
                    j = slot_of_leaf[id(p)] = len(nodes) + len(leaves)
                    leaves.append(p)
            data = p.data
            targets.append((i, j, data.shape, data.dtype))
        steps.append(tuple(targets))
    return Plan(steps, len(nodes) + len(leaves)), nodes, leaves


def sweep(
    steps: Sequence[tuple[Target, ...]],
    nodes: list[Function],
    grads: list[Array | None],
    *,
    anomaly: bool,
    release: bool,
) -> set[int]:
    """Apply each op's backward rule in plan order and sum the gradients into their slots.

    For op k: ``g = grads[k]`` (complete, as every op that used its output came earlier), the rule
    ``r = op.backward(ctx, g)`` gives one gradient per input (``None`` where there is none), and
    for each target ``(i, j, shape, dtype)``: ``grads[j] = grads[j] + r[i]`` (or ``r[i]`` if it is
    the first). An op whose output received no gradient is skipped. The work is done in place in
    ``grads`` (length ``n_slots``, the seed ``dE/dE`` in slot 0); afterwards the leaves' slots
    hold ∂E/∂leaf and the ops' slots are cleared.

    Args:
        steps: :attr:`Plan.steps`.
        nodes: the ops' ``ctx`` objects, the root last (:func:`build_plan`'s order). Step k
            takes ``nodes.pop()``: the list is used up, each ``ctx`` dropped once its rule ran.
        grads: the gradient slots, filled in place.
        anomaly: check every gradient for NaN/inf made from a finite one (``detect_anomaly``).
        release: free what each op saved once its rule has run (not for ``retain_graph``).

    Returns:
        the slots whose gradient is a sum of several: arrays made here, owned by no one else.
    """
    summed: set[int] = set()
    for k, targets in enumerate(steps):
        node = nodes.pop()
        g = grads[k]
        grads[k] = None  # used once: dropped as soon as the rule has it
        if g is not None:
            if node.retained is not None:
                _retain(node.retained, g)
            results = node.backward(node, g)
            if type(results) is not tuple:
                results = (results,)
            if len(results) != len(node.needs_input_grad):
                raise _arity_error(node, len(results))
            for i, j, shape, dtype in targets:
                gi = results[i]
                if gi is None:
                    continue
                if type(gi) is not _ndarray or gi.shape != shape or gi.dtype != dtype:
                    gi = _conform(node, i, gi, shape, dtype)
                if anomaly:
                    check_backward(node, g, i, gi)
                prev = grads[j]
                if prev is None:
                    grads[j] = gi
                else:
                    grads[j] = prev + gi
                    summed.add(j)
        if release:
            node.release()
    return summed


def _retain(output: weakref.ref[Tensor], g: Array) -> None:
    """Sum ``g`` into the ``.grad`` of an op's output that asked for it by ``retain_grad()``."""
    out = output()
    if out is not None:
        out.grad = g.copy() if out.grad is None else out.grad + g


def _arity_error(node: Function, n: int) -> GraphError:
    return GraphError(
        f"{node.name}.backward returned {n} gradients for {len(node.needs_input_grad)} inputs; "
        "it must return one per input (None where there is none)."
    )


def _conform(
    node: Function, index: int, g: Any, shape: tuple[int, ...], dtype: np.dtype[Any]
) -> Array:
    """Check one rule's gradient against its input: the same shape, converted to its dtype."""
    g = np.asarray(g)
    if g.shape != shape:
        raise ShapeError(
            f"{node.name}.backward returned a gradient of shape {g.shape} for input {index}, "
            f"whose shape is {shape}; a rule must return its input's shape (use "
            "cr.unbroadcast where the forward broadcast)."
        )
    result: Array = g.astype(dtype, copy=False)
    return result
