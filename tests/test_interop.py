"""Converters to and from scikit-learn and PyTorch: the same weights, bit for bit, and the same
outputs. scikit-learn and PyTorch are optional; their tests skip cleanly without them.
"""

import itertools
import sys
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import from_sklearn, from_torch, to_sklearn, to_torch  # the user's: cr.MLP back
from chainrule.data.scaling import Standardizer

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))


def random_net(sizes, hidden, output, dtype=np.float64, seed=0):
    """An MLP with random bias rows (a fresh network's are all zero, which would hide a swap)."""
    gen = np.random.default_rng(seed)
    net = cr.MLP(sizes, hidden=hidden, output=output, seed=gen, dtype=dtype)
    for W in net.weights:
        W[-1] = gen.normal(size=W.shape[1])
    return net


def architecture(net):
    """The config, less the hidden activation of a one-layer network (which has none)."""
    config = net.get_config()
    if len(net.layers) == 1:
        config.pop("hidden")
    return config


def same_weights(a, b):
    return len(a.weights) == len(b.weights) and all(
        Wa.dtype == Wb.dtype and Wa.tobytes() == Wb.tobytes()
        for Wa, Wb in zip(a.weights, b.weights, strict=True)
    )


NETS = [
    ([4, 5, 1], "tanh", "sigmoid"),
    ([4, 5, 3, 3], "relu", "softmax"),
    ([4, 2], "sigmoid", "identity"),
    ([4, 6, 2], "identity", "identity"),
]


# -- scikit-learn -------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes,hidden,output", NETS)
def test_to_sklearn_and_back_is_exact(sizes, hidden, output):
    net = random_net(sizes, hidden, output)
    coefs, intercepts = to_sklearn(net)
    assert [c.shape for c in coefs] == list(itertools.pairwise(sizes))
    assert [b.shape for b in intercepts] == [(n,) for n in sizes[1:]]
    np.testing.assert_array_equal(coefs[0], net.weights[0][:-1])
    np.testing.assert_array_equal(intercepts[0], net.weights[0][-1])
    assert coefs[0].base is None  # copies: changing them leaves the network alone
    back = from_sklearn(coefs, intercepts, hidden=hidden, output=output)
    assert isinstance(back, cr.MLP) and same_weights(back, net)
    assert architecture(back) == architecture(net)
    assert back.forward(X).tobytes() == net.forward(X).tobytes()


def test_from_sklearn_takes_scikit_learns_names():
    net = random_net([4, 3, 1], "sigmoid", "sigmoid")
    back = from_sklearn(*to_sklearn(net), hidden="logistic", output="logistic")
    assert back.activations == ["sigmoid", "sigmoid"] and back.loss == "binary_cross_entropy"
    assert from_sklearn(*to_sklearn(net), output="identity").activations == ["relu", "identity"]


@pytest.fixture(scope="module")
def sklearn_nn():
    nn = pytest.importorskip("sklearn.neural_network")
    exceptions = pytest.importorskip("sklearn.exceptions")
    return nn, exceptions.ConvergenceWarning


def fitted(estimator, ConvergenceWarning, X, y):
    with warnings.catch_warnings():  # a few iterations are enough to get weights to compare
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "identity"])
def test_a_binary_mlp_classifier(sklearn_nn, activation):
    nn, ConvergenceWarning = sklearn_nn
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    clf = nn.MLPClassifier((5, 3), activation=activation, max_iter=30, random_state=0)
    clf = fitted(clf, ConvergenceWarning, X, y)
    net = from_sklearn(clf)
    assert net.sizes == [4, 5, 3, 1] and net.loss == "binary_cross_entropy"
    # one logistic unit: the probability of classes_[1], scikit-learn's second column
    np.testing.assert_allclose(net.predict_proba(X)[:, 0], clf.predict_proba(X)[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(net.predict(X), clf.predict(X))  # the labels "no"/"yes"
    assert list(net.classes) == ["no", "yes"]


def test_a_multiclass_mlp_classifier(sklearn_nn):
    nn, ConvergenceWarning = sklearn_nn
    y = np.digitize(X[:, 0] - X[:, 2], [-0.7, 0.7]) + 10  # classes 10, 11, 12
    clf = nn.MLPClassifier((6,), activation="tanh", max_iter=50, random_state=1)
    clf = fitted(clf, ConvergenceWarning, X, y)
    net = from_sklearn(clf)
    assert net.activations == ["tanh", "softmax"] and net.loss == "cross_entropy"
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(net.predict(X), clf.predict(X))
    # labels in, too: the error takes the estimator's labels as targets
    error = net.error(X, y)
    net.classes = None
    assert net.error(X, y - 10) == error


def test_a_multilabel_mlp_classifier(sklearn_nn):
    nn, ConvergenceWarning = sklearn_nn
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5]).astype(int)
    clf = fitted(nn.MLPClassifier((5,), max_iter=30, random_state=0), ConvergenceWarning, X, Y)
    net = from_sklearn(clf)
    assert net.task == "multilabel"
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(net.predict(X), clf.predict(X))


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_an_mlp_regressor(sklearn_nn, n_outputs):
    nn, ConvergenceWarning = sklearn_nn
    y = X @ rng.normal(size=(4, n_outputs))
    y = y[:, 0] if n_outputs == 1 else y
    reg = nn.MLPRegressor(hidden_layer_sizes=(7, 4), activation="relu", max_iter=50, random_state=0)
    reg = fitted(reg, ConvergenceWarning, X, y)
    net = from_sklearn(reg)
    assert net.activations == ["relu", "relu", "identity"] and net.loss == "squared_error"
    assert net.classes is None
    np.testing.assert_allclose(net.predict(X), reg.predict(X), rtol=1e-12, atol=1e-14)


def test_a_float32_fit_stays_float32(sklearn_nn):
    nn, ConvergenceWarning = sklearn_nn
    X32 = X.astype(np.float32)
    reg = fitted(
        nn.MLPRegressor(hidden_layer_sizes=(3,), max_iter=20, random_state=0),
        ConvergenceWarning,
        X32,
        X32[:, 0],
    )
    net = from_sklearn(reg)
    assert net.dtype == np.float32 and reg.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(net.predict(X32), reg.predict(X32), rtol=1e-5, atol=1e-6)


def test_from_sklearn_refuses_what_it_cannot_load(sklearn_nn):
    nn, ConvergenceWarning = sklearn_nn
    with pytest.raises(ValueError, match="this MLPClassifier is not fitted yet"):
        from_sklearn(nn.MLPClassifier())
    reg = nn.MLPRegressor(hidden_layer_sizes=(3,), loss="poisson", max_iter=5, random_state=0)
    reg = fitted(reg, ConvergenceWarning, X, np.exp(X[:, 0]))
    with pytest.raises(ValueError, match="unknown output activation 'exp'; scikit-learn's are"):
        from_sklearn(reg)
    clf = fitted(nn.MLPClassifier((3,), max_iter=5), ConvergenceWarning, X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="hidden='tanh', but the fitted MLPClassifier uses relu"):
        from_sklearn(clf, hidden="tanh")
    with pytest.raises(TypeError, match="pass either a fitted MLPClassifier or coefs_"):
        from_sklearn(clf, clf.intercepts_)


def test_from_sklearn_refuses_bad_arrays():
    coefs, intercepts = to_sklearn(cr.MLP([3, 4, 2], seed=0))
    with pytest.raises(ValueError, match="with raw coefs_, say the output activation"):
        from_sklearn(coefs, intercepts)
    with pytest.raises(TypeError, match="with coefs_, pass intercepts_ too"):
        from_sklearn(coefs, output="identity")
    with pytest.raises(ValueError, match="2 coefs_ and 1 intercepts_"):
        from_sklearn(coefs, intercepts[:1], output="identity")
    with pytest.raises(ValueError, match=r"layer 2 has coefs_ of shape \(4, 2\) and intercepts_"):
        from_sklearn(coefs, [intercepts[0], np.zeros(3)], output="identity")
    with pytest.raises(ValueError, match="layer 2 takes 5 inputs but layer 1 has 4 units"):
        from_sklearn([coefs[0], np.zeros((5, 2))], intercepts, output="identity")
    with pytest.raises(ValueError, match="unknown hidden activation 'swish'"):
        from_sklearn(coefs, intercepts, hidden="swish", output="identity")


def test_a_network_with_a_scaler_is_not_converted_silently():
    net = random_net([4, 3, 1], "tanh", "sigmoid")
    net.scaler = Standardizer().fit(X)
    with pytest.raises(ValueError, match=r"standardises X \(net.scaler\).*set net.scaler = None"):
        to_sklearn(net)


# -- PyTorch ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes,hidden,output", [*NETS, ([4, 3, 3, 2], "leaky_relu", "softmax")])
def test_to_torch_and_back(torch, sizes, hidden, output, dtype):
    net = random_net(sizes, hidden, output, dtype=dtype)
    module = to_torch(net)
    assert isinstance(module, torch.nn.Sequential) and len(module) == 2 * len(net.layers)
    first = module[0]
    assert isinstance(first, torch.nn.Linear)
    assert first.weight.dtype == (torch.float32 if dtype == np.float32 else torch.float64)
    # nn.Linear keeps weight (out, in) = W[:-1]ᵀ and bias = W[-1]
    np.testing.assert_array_equal(first.weight.detach().numpy(), net.weights[0][:-1].T)
    np.testing.assert_array_equal(first.bias.detach().numpy(), net.weights[0][-1])
    Xt = X.astype(dtype)
    with torch.no_grad():
        out = module(torch.from_numpy(Xt)).numpy()
        logits = module[:-1](torch.from_numpy(Xt)).numpy()
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(out, net.forward(Xt), **tol)
    np.testing.assert_allclose(logits, net.forward(Xt, trace=True).h[-1], **tol)
    back = from_torch(module)
    assert type(back) is type(net) and same_weights(back, net)
    assert architecture(back) == architecture(net)
    assert back.forward(Xt).tobytes() == net.forward(Xt).tobytes()


def test_the_converted_module_has_the_same_gradients(torch):
    net = random_net([4, 5, 3], "tanh", "softmax")
    y = rng.integers(0, 3, size=len(X))
    module = to_torch(net)
    loss = torch.nn.functional.cross_entropy(module[:-1](torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    assert loss.item() == pytest.approx(net.error(X, y), rel=1e-12)
    for k, g in enumerate(net.gradients(X, y)):
        linear = module[2 * k]
        np.testing.assert_allclose(linear.weight.grad.numpy(), g[:-1].T, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(linear.bias.grad.numpy(), g[-1], rtol=1e-10, atol=1e-14)


def test_from_torch_reads_a_hand_built_module(torch):
    nn = torch.nn
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(4, 3, dtype=torch.float64),
        nn.LeakyReLU(0.01),
        nn.Linear(3, 5, bias=False, dtype=torch.float64),
        nn.Tanh(),
        nn.Linear(5, 2, dtype=torch.float64),  # no activation after it: the identity
    )
    net = from_torch(module)
    assert isinstance(net, cr.Sequential) and not isinstance(net, cr.MLP)  # mixed hidden
    assert net.activations == ["leaky_relu", "tanh", "identity"] and net.loss == "squared_error"
    assert not net.weights[1][-1].any()  # bias=False: a zero bias row
    with torch.no_grad():
        expected = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-12, atol=1e-14)
    softmax = from_torch([*module, nn.Softmax(dim=1)][2:])
    assert softmax.activations == ["tanh", "softmax"] and softmax.loss == "cross_entropy"


def test_from_torch_a_list_of_linear_layers_with_activations(torch):
    nn = torch.nn
    linears = [nn.Linear(4, 3).double(), nn.Linear(3, 1).double()]
    net = from_torch(linears, activations=["logistic", "sigmoid"], loss="squared_error")
    assert isinstance(net, cr.MLP) and net.activations == ["sigmoid", "sigmoid"]
    assert net.loss == "squared_error"
    np.testing.assert_array_equal(net.weights[0][:-1], linears[0].weight.detach().numpy().T)
    module = nn.Sequential(linears[0], nn.ReLU(), linears[1])
    assert from_torch(module, activations=["relu", "identity"]).activations == ["relu", "identity"]


def test_from_torch_refuses_what_it_cannot_load(torch):
    nn = torch.nn
    lin = nn.Linear(4, 3).double()
    cases = [
        ([lin, nn.Dropout(0.5)], r"module 1 \(Dropout.*\) is not nn.Linear nor a supported"),
        ([lin, nn.LeakyReLU(0.2)], "has slope 0.2; chainrule's leaky_relu has slope 0.01"),
        ([lin, nn.Softmax(dim=0)], "is over dim 0"),
        ([nn.Tanh(), lin], r"module 0 \(Tanh\(\)\) comes before any nn.Linear"),
        ([lin, nn.Tanh(), nn.ReLU()], r"module 2 \(ReLU\(\)\) is a second activation .* tanh"),
        ([], "no nn.Linear layers found"),
        ([lin, nn.Linear(2, 1).double()], "layer 2 takes 2 inputs but layer 1 has 3 units"),
    ]
    for layers, message in cases:
        with pytest.raises(ValueError, match=message):
            from_torch(layers)
    with pytest.raises(TypeError, match=r"has dtype torch.float16; .* module.double"):
        from_torch([nn.Linear(4, 3).half()])
    with pytest.raises(TypeError, match=r"dtypes \['float32', 'float64'\]"):
        from_torch([nn.Linear(4, 3), nn.Linear(3, 1).double()])
    with pytest.raises(
        ValueError, match=r"one name per Linear layer \(1\), got \['relu', 'relu'\]"
    ):
        from_torch([lin], activations=["relu", "relu"])
    with pytest.raises(ValueError, match=r"activations\[0\] is relu but the module has tanh after"):
        from_torch([lin, nn.Tanh()], activations=["relu"])


def test_to_torch_refuses_what_it_cannot_convert(torch):
    net = random_net([4, 3, 1], "tanh", "sigmoid")
    with pytest.raises(TypeError, match="expected a chainrule MLP or Sequential, got list"):
        to_torch([net])
    net.scaler = Standardizer().fit(X)
    with pytest.raises(ValueError, match=r"the nn.Sequential would not"):
        to_torch(net)


def test_without_torch_the_error_says_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    net = random_net([4, 3, 1], "tanh", "sigmoid")
    with pytest.raises(ImportError, match=r"to_torch needs PyTorch.*pip install torch"):
        to_torch(net)
    with pytest.raises(ImportError, match=r"from_torch needs PyTorch"):
        from_torch([])
    assert to_sklearn(net)[0][0].shape == (4, 3)  # the rest works without it
