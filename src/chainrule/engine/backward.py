"""The reverse pass: the chain rule applied to the whole graph, one op at a time.

Starting from the output with ``dE/dE = 1``, the walk visits each op after every op that used its
output (a reverse topological order), so when it reaches an op, the gradient of its output is
complete: the sum over all the paths that lead from it to E. The op's backward rule turns that into
the gradients of its inputs, and the walk goes on. The order is computed with an explicit stack, not
recursion, so a chain of any length works; each op's gradient is dropped as soon as it has been
used, and (unless ``retain_graph``) so is everything the op saved, so memory is freed during the
walk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.modes import STATE, check_backward
from chainrule.errors import GraphError, ShapeError


def backprop(
    root: Any,
    grad: Any = None,
    *,
    accumulate: bool,
    retain_graph: bool = False,
    wrt: list[Any] | None = None,
) -> dict[int, np.ndarray]:
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
    seed = _seed(root, grad)
    node = root._node
    if node is None:
        if not root.requires_grad:
            raise GraphError(
                "backward: this tensor does not require grad: none of the tensors it was computed "
                "from has requires_grad=True, or it was computed inside cr.no_grad()."
            )
        leaf_grads = {id(root): [root, seed, False]}
    elif STATE.anomaly:  # an AnomalyError names the op, in place of NumPy's warnings
        with np.errstate(all="ignore"):
            leaf_grads = _walk(node, seed, retain_graph)
    else:
        leaf_grads = _walk(node, seed, retain_graph)
    if accumulate:
        for leaf, g, owned in leaf_grads.values():
            if leaf.requires_grad:
                if leaf.grad is None:
                    leaf.grad = g if owned else g.copy()
                else:
                    leaf.grad += g
    if wrt is None:
        return {}
    return {id(t): leaf_grads[id(t)][1] for t in wrt if id(t) in leaf_grads}


def _seed(root: Any, grad: Any) -> np.ndarray:
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


def toposort(root_node: Any) -> list[Any]:
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


def _walk(root_node: Any, seed: np.ndarray, retain_graph: bool) -> dict[int, list[Any]]:
    order = toposort(root_node)
    anomaly = STATE.anomaly
    grads = {root_node: seed}
    leaf_grads: dict[int, list[Any]] = {}  # id(leaf) -> [leaf, gradient, owned by us?]
    for node in reversed(order):
        g = grads.pop(node)  # complete: every consumer of this node came earlier in the walk
        if node.retained is not None:
            out = node.retained()
            if out is not None:
                out.grad = g.copy() if out.grad is None else out.grad + g
        results = node.backward(node, g)
        if type(results) is not tuple:
            results = (results,)
        parents = node.parents
        if len(results) != len(parents):
            raise GraphError(
                f"{node.name}.backward returned {len(results)} gradients for {len(parents)} "
                "inputs; it must return one per input (None where there is none)."
            )
        for i, (p, gi) in enumerate(zip(parents, results, strict=True)):
            if p is None or gi is None:
                continue
            if type(gi) is not np.ndarray or gi.shape != p.data.shape or gi.dtype != p.data.dtype:
                gi = _conform(node, i, gi, p.data)
            if anomaly:
                check_backward(node, g, i, gi)
            child = p._node
            if child is None:
                entry = leaf_grads.get(id(p))
                if entry is None:
                    leaf_grads[id(p)] = [p, gi, False]
                else:
                    entry[1] = entry[1] + gi
                    entry[2] = True
            else:
                prev = grads.get(child)
                grads[child] = gi if prev is None else prev + gi
        if not retain_graph:
            node.release()
    return leaf_grads


def _conform(node: Any, index: int, g: Any, x: np.ndarray) -> np.ndarray:
    """Check one rule's gradient against its input: the same shape, converted to its dtype."""
    g = np.asarray(g)
    if g.shape != x.shape:
        raise ShapeError(
            f"{node.name}.backward returned a gradient of shape {g.shape} for input {index}, "
            f"whose shape is {x.shape}; a rule must return its input's shape (use "
            "cr.unbroadcast where the forward broadcast)."
        )
    return g.astype(x.dtype, copy=False)
