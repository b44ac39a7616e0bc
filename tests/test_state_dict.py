"""Weights to and from PyTorch state dicts and safetensors files: exact, and fine-tunable there.

The round trip through PyTorch: chainrule weights → ``to_torch(net).load_state_dict`` → one SGD
step in PyTorch with the matching loss → back with ``from_state_dict``, compared with chainrule's
own ``net.step`` on the same batch, to 1e-10 in float64. The state-dict and safetensors tests
that need no PyTorch run without it.
"""

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.scaling import Standardizer
from chainrule.io.torch_io import (
    from_state_dict,
    load_safetensors,
    save_safetensors,
    to_state_dict,
)

rng = np.random.default_rng(0)
X = rng.normal(size=(32, 4))

NETS = [
    ([4, 5, 1], "tanh", "sigmoid"),
    ([4, 6, 5, 3], "relu", "softmax"),
    ([4, 3, 2], "leaky_relu", "identity"),
    ([4, 2], "sigmoid", "identity"),
]


def random_net(sizes, hidden, output, dtype=np.float64, seed=0):
    """An MLP with random bias rows (a fresh network's are all zero, which would hide a swap)."""
    gen = np.random.default_rng(seed)
    net = cr.MLP(sizes, hidden=hidden, output=output, seed=gen, dtype=dtype)
    for W in net.weights:
        W[-1] = gen.normal(size=W.shape[1])
    return net


def targets(net, seed=1):
    gen = np.random.default_rng(seed)
    if net.loss == "cross_entropy":
        return gen.integers(0, net.n_outputs, size=len(X))
    if net.loss == "binary_cross_entropy":
        return gen.integers(0, 2, size=(len(X), net.n_outputs)).astype(float)
    return gen.normal(size=(len(X), net.n_outputs))


# -- state dicts, no PyTorch needed ---------------------------------------------------------------
@pytest.mark.parametrize("sizes,hidden,output", NETS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_dict_layout_and_exact_round_trip(sizes, hidden, output, dtype):
    net = random_net(sizes, hidden, output, dtype)
    state = to_state_dict(net)
    layers = len(sizes) - 1
    assert list(state) == [f"{2 * k}.{p}" for k in range(layers) for p in ("weight", "bias")]
    for k, W in enumerate(net.weights):
        weight, bias = state[f"{2 * k}.weight"], state[f"{2 * k}.bias"]
        assert weight.shape == (sizes[k + 1], sizes[k]) and bias.shape == (sizes[k + 1],)
        assert weight.dtype == bias.dtype == dtype
        np.testing.assert_array_equal(weight, W[:-1].T)
        np.testing.assert_array_equal(bias, W[-1])
    kept = state["0.weight"][0, 0]
    state["0.weight"][0, 0] = 123.0  # copies, not views of the network's weights
    assert net.weights[0][0, 0] == kept
    state["0.weight"][0, 0] = kept

    rebuilt = from_state_dict(state, net.get_config())
    assert rebuilt.get_config() == net.get_config()
    for a, b in zip(rebuilt.weights, net.weights, strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()

    other = random_net(sizes, hidden, output, dtype, seed=9)
    arrays = list(other.weights)
    assert from_state_dict(state, other) is other  # loaded in place, the same arrays
    assert all(a is b for a, b in zip(other.weights, arrays, strict=True))
    np.testing.assert_array_equal(other.forward(X), net.forward(X))


def test_from_state_dict_errors_name_the_key():
    net = random_net([4, 5, 1], "tanh", "sigmoid")
    state = to_state_dict(net)
    with pytest.raises(ValueError, match=r"'0.weight' has shape \(4, 5\), expected \(5, 4\)"):
        from_state_dict({**state, "0.weight": state["0.weight"].T}, net)
    with pytest.raises(ValueError, match=r"unexpected keys \['4.weight'\]"):
        from_state_dict({**state, "4.weight": np.zeros((1, 1))}, net)
    missing = dict(state)
    del missing["2.weight"]
    with pytest.raises(ValueError, match=r"no '2\.weight' for layer 2"):
        from_state_dict(missing, net)
    with pytest.raises(TypeError, match="dtype int64"):
        from_state_dict({**state, "2.bias": np.array([1])}, net)
    with pytest.raises(ValueError, match="NaN"):
        from_state_dict({**state, "2.bias": np.array([np.nan])}, net)
    with pytest.raises(TypeError, match="get_config"):
        from_state_dict(state, [1, 2])
    before = [W.copy() for W in net.weights]
    with pytest.raises(ValueError):
        from_state_dict({**state, "2.bias": np.array([np.inf])}, net)
    assert all((a == b).all() for a, b in zip(net.weights, before, strict=True))  # untouched


def test_a_missing_bias_is_zero():
    net = random_net([4, 5, 1], "tanh", "sigmoid")
    state = to_state_dict(net)
    del state["0.bias"]
    np.testing.assert_array_equal(from_state_dict(state, net.get_config()).weights[0][-1], 0.0)


def test_state_dict_refuses_a_network_with_a_scaler():
    net = random_net([4, 5, 1], "tanh", "sigmoid")
    net.scaler = Standardizer().fit(X)
    with pytest.raises(ValueError, match="standardises"):
        to_state_dict(net)


# -- safetensors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes,hidden,output", NETS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_safetensors_file_alone_rebuilds_the_network(tmp_path, sizes, hidden, output, dtype):
    pytest.importorskip("safetensors")
    net = random_net(sizes, hidden, output, dtype)
    net.feature_names = ["a", "b", "c", "d"]
    net.target_name = "label"
    net.scaler = Standardizer().fit(X.astype(dtype) * 3 + 1)
    if output != "identity":
        net.classes = np.array(["no", "yes"] if output == "sigmoid" else ["x", "y", "z"])
    path = save_safetensors(net, tmp_path / "model.safetensors")
    back = load_safetensors(path)
    assert back.get_config() == net.get_config()
    for a, b in zip(back.weights, net.weights, strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert back.feature_names == net.feature_names and back.target_name == "label"
    np.testing.assert_array_equal(back.scaler.mean_, net.scaler.mean_)
    if net.classes is not None:
        np.testing.assert_array_equal(back.classes, net.classes)
        assert back.classes.dtype == net.classes.dtype
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_safetensors_metadata_and_tensors_are_torch_layout(tmp_path):
    safetensors = pytest.importorskip("safetensors")
    from safetensors.numpy import load_file

    net = random_net([4, 6, 5, 3], "relu", "softmax")
    path = save_safetensors(net, tmp_path / "m.safetensors")
    tensors = load_file(str(path))
    assert tensors.keys() == to_state_dict(net).keys()
    for key, value in to_state_dict(net).items():
        np.testing.assert_array_equal(tensors[key], value)
    with safetensors.safe_open(str(path), framework="np") as f:
        meta = f.metadata()
    assert meta["format"] == "chainrule"
    assert json.loads(meta["chainrule_config"]) == net.get_config()
    assert meta["chainrule_version"] == cr.__version__


def test_safetensors_into_a_given_network_or_config(tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.numpy import save_file

    net = random_net([4, 5, 1], "tanh", "sigmoid")
    plain = tmp_path / "plain.safetensors"
    save_file(to_state_dict(net), str(plain))  # no chainrule metadata, as PyTorch would write it
    with pytest.raises(ValueError, match="no chainrule architecture"):
        load_safetensors(plain)
    np.testing.assert_array_equal(load_safetensors(plain, net.get_config()).forward(X),
                                  net.forward(X))  # fmt: skip
    target = random_net([4, 5, 1], "tanh", "sigmoid", seed=3)
    assert load_safetensors(plain, target) is target
    np.testing.assert_array_equal(target.forward(X), net.forward(X))
    with pytest.raises(ValueError, match="shape"):
        load_safetensors(plain, random_net([4, 7, 1], "tanh", "sigmoid"))
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file at all")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        load_safetensors(tmp_path / "junk.safetensors")


# -- through PyTorch and back ---------------------------------------------------------------------
def torch_loss(torch, net, module, Xt, y):
    """chainrule's E in PyTorch: the same conventions (see chainrule.nn.losses)."""
    if net.loss == "cross_entropy":
        return torch.nn.CrossEntropyLoss()(module[:-1](Xt), torch.as_tensor(y))
    if net.loss == "binary_cross_entropy":
        return torch.nn.BCEWithLogitsLoss()(module[:-1](Xt), torch.as_tensor(y))  # mean
    return 0.5 * ((module(Xt) - torch.as_tensor(y)) ** 2).sum(dim=1).mean()


@pytest.mark.parametrize("sizes,hidden,output", [*NETS, ([4, 5, 1], "sigmoid", "sigmoid")])
def test_one_sgd_step_in_torch_equals_net_step(sizes, hidden, output):
    torch = pytest.importorskip("torch")
    from chainrule.io.interop import to_torch

    net = random_net(sizes, hidden, output)
    y = targets(net)
    module = to_torch(random_net(sizes, hidden, output, seed=7))  # other weights, overwritten:
    module.load_state_dict(to_state_dict(net, tensors="torch"))
    opt = torch.optim.SGD(module.parameters(), lr=0.3)
    opt.zero_grad()
    loss = torch_loss(torch, net, module, torch.from_numpy(X), y)
    loss.backward()
    opt.step()
    tuned = from_state_dict(module.state_dict(), net.get_config())

    E = net.step(X, y, lr=0.3)  # chainrule's own gradient-descent step on the same batch
    assert loss.item() == pytest.approx(E, rel=1e-12)
    for k, (a, b) in enumerate(zip(tuned.weights, net.weights, strict=True), start=1):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=f"W{k}")


def test_fine_tune_in_torch_and_back_keeps_improving():
    torch = pytest.importorskip("torch")
    from chainrule.io.interop import to_torch

    Xm, ym = cr.make_moons(n=200, noise=0.2, seed=0)
    net = cr.MLP([2, 16, 1], hidden="tanh", output="sigmoid", seed=0)
    for _ in range(20):
        net.step(Xm, ym, lr=0.5)
    before = net.error(Xm, ym)
    module = to_torch(net)
    module.load_state_dict(to_state_dict(net, tensors="torch"))
    opt = torch.optim.Adam(module.parameters(), lr=0.02)
    Xt, yt = torch.from_numpy(Xm), torch.from_numpy(ym.reshape(-1, 1).astype(float))
    for _ in range(100):
        opt.zero_grad()
        torch.nn.BCEWithLogitsLoss()(module[:-1](Xt), yt).backward()
        opt.step()
    from_state_dict(module.state_dict(), net)
    after = net.error(Xm, ym)
    assert after < before
    with torch.no_grad():
        np.testing.assert_allclose(module(Xt).numpy(), net.forward(Xm), rtol=1e-12)


def test_torch_tensors_out_and_in():
    torch = pytest.importorskip("torch")
    net = random_net([4, 5, 3], "relu", "softmax", dtype=np.float32)
    state = to_state_dict(net, tensors="torch")
    assert all(isinstance(v, torch.Tensor) and v.dtype == torch.float32 for v in state.values())
    state = {k: v.clone().requires_grad_(True) for k, v in state.items()}  # detached on the way
    back = from_state_dict(state, net.get_config())
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    with pytest.raises(ValueError, match="'numpy' or 'torch'"):
        to_state_dict(net, tensors="jax")
