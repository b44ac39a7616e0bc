"""The Network protocol names exactly what training, io and the explainer use of a network.

Each floor above nn reaches a network only through ``chainrule.nn.protocol.Network`` (and its
layers through ``Layer``). These tests read those floors' sources and fail when one of them starts
using a member that the protocol does not name: add it to the protocol first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.nn.protocol import Layer, Network

SRC = Path(cr.__file__).parent
USERS = sorted(p for floor in ("training", "io", "explain") for p in (SRC / floor).rglob("*.py"))
NETWORK_NAMES = {"net", "network"}  # how those floors name a network
LAYER_NAMES = {"layer", "lay"}


def _members(protocol: type) -> set[str]:
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {n for n in vars(protocol) if not n.startswith("_")}
    return names


def _bound_from_network_info(tree: ast.AST) -> set[str]:
    """Names bound from ``ex.network``: the explanation's NetworkInfo, not a network."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=False))
            else:
                pairs = [(target, node.value)]
            for name, value in pairs:
                if isinstance(name, ast.Name) and getattr(value, "attr", None) == "network":
                    names.add(name.id)
    return names


def _layer_names(tree: ast.AST) -> set[str]:
    """Names that hold a layer: loop targets over ``….layers``, parameters annotated ``Layer``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.comprehension):
            over_layers = any(getattr(n, "attr", None) == "layers" for n in ast.walk(node.iter))
            if over_layers:
                names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.arg) and _annotated_layer(node):
            names.add(node.arg)
    return names & LAYER_NAMES


def _annotated_layer(arg: ast.arg) -> bool:
    return arg.annotation is not None and ast.unparse(arg.annotation).strip("'\"") == "Layer"


def _uses(path: Path) -> tuple[set[str], set[str]]:
    """(network members, layer members) that ``path`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    infos, layers = _bound_from_network_info(tree), _layer_names(tree)
    net_uses, layer_uses = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        v = node.value
        if isinstance(v, ast.Name) and v.id in NETWORK_NAMES and v.id not in infos:
            net_uses.add(node.attr)
        elif isinstance(v, ast.Attribute) and v.attr in NETWORK_NAMES:
            if not (isinstance(v.value, ast.Name) and v.value.id == "ex"):  # ex.network: info
                net_uses.add(node.attr)
        elif (isinstance(v, ast.Name) and v.id in layers) or (
            isinstance(v, ast.Subscript) and getattr(v.value, "attr", None) == "layers"
        ):
            layer_uses.add(node.attr)
    return net_uses, layer_uses


def test_the_floors_above_use_only_what_the_protocol_names():
    network, layer = _members(Network), _members(Layer)
    missing = []
    for path in USERS:
        net_uses, layer_uses = _uses(path)
        rel = path.relative_to(SRC).as_posix()
        missing += [f"{rel}: net.{name}" for name in sorted(net_uses - network)]
        missing += [f"{rel}: layer.{name}" for name in sorted(layer_uses - layer)]
    assert not missing, "add these to chainrule/nn/protocol.py:\n" + "\n".join(missing)


def test_every_member_of_the_protocol_is_used():
    used_net, used_layer = set(), set()
    for path in USERS:
        net_uses, layer_uses = _uses(path)
        used_net |= net_uses
        used_layer |= layer_uses
    assert _members(Network) - used_net == set(), "members no floor above nn uses"
    assert _members(Layer) - used_layer == set(), "layer members no floor above nn uses"


def test_the_checker_sees_a_new_use(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(net):\n    for layer in net.layers:\n        layer.bias\n    return net.planted\n",
        encoding="utf-8",
    )
    assert _uses(planted) == ({"layers", "planted"}, {"bias"})
    assert "planted" not in _members(Network) and "bias" not in _members(Layer)


def test_the_networks_are_networks():
    for net in (
        cr.MLP([2, 2, 1], seed=0),
        nn.MLP([2, 3, 2], output="softmax", seed=0),
        cr.Sequential([cr.Dense(2, 1, activation="identity", seed=0)]),
    ):
        assert isinstance(net, Network)
        assert all(isinstance(layer, Layer) for layer in net.layers)
    assert not isinstance(object(), Network)


def test_output_and_loss_gives_what_the_loss_is_computed_from():
    X = np.array([[0.5, -1.0], [2.0, 0.0]])
    for output, y in (("sigmoid", [0, 1]), ("identity", [0.5, -0.5])):
        net = cr.MLP([2, 2, 1], output=output, seed=0)
        data = net.check_data(X, y)
        z, E = net.output_and_loss(*data)
        h = net.logits(data[0]).data
        assert np.array_equal(z.data, h if output == "sigmoid" else net.forward(X))
        assert E.data == net.loss_of(*data).data
