"""The network: dense layers with the bias folded in, activations, initialisation, MLP and
Sequential, feedforward and its trace, training steps, dtypes, configs, and the errors bad input
gets (each saying what is wrong and where).
"""

import itertools
import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn.initializers import he_normal, he_uniform, xavier_normal, xavier_uniform

rng = np.random.default_rng(0)
X = rng.normal(size=(5, 2))
Y01 = np.array([0, 1, 1, 0, 1])

ACTIVATIONS = {
    "sigmoid": lambda h: 1 / (1 + np.exp(-h)),
    "tanh": np.tanh,
    "relu": lambda h: np.maximum(h, 0),
    "leaky_relu": lambda h: np.where(h > 0, h, 0.01 * h),
    "identity": lambda h: h,
    "softmax": lambda h: np.exp(h) / np.exp(h).sum(axis=1, keepdims=True),
}


# -- the dense layer ----------------------------------------------------------------------------
def test_dense_keeps_its_bias_as_the_last_row_of_w():
    W = rng.normal(size=(4, 2))  # 3 inputs, 2 units, the bias row last
    layer = cr.Dense(3, 2, "identity", weights=W)
    assert layer.W.shape == (4, 2) and isinstance(layer.W, cr.Parameter)
    x = rng.normal(size=(6, 3))
    h = layer.pre_activation(x)
    assert h.grad_fn == "affine"  # one primitive, not a matmul, a concatenation and an add
    np.testing.assert_array_equal(h.data, x @ W[:-1] + W[-1])  # [x, 1] · W
    np.testing.assert_allclose(h.data, np.hstack([x, np.ones((6, 1))]) @ W, rtol=1e-14)
    assert layer.W.data is not W and np.array_equal(layer.W.data, W)  # a copy


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_each_activation(name):
    W = rng.normal(size=(4, 3))
    x = rng.normal(size=(6, 3))
    layer = cr.Dense(3, 3, name, weights=W)
    expected = ACTIVATIONS[name](x @ W[:-1] + W[-1])
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-14, atol=1e-300)
    assert layer.activation == name


def test_activation_spellings_and_unknown_names():
    assert cr.Dense(2, 2, "logistic", seed=0).activation == "sigmoid"
    assert cr.Dense(2, 2, "linear", seed=0).activation == "identity"
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of sigmoid, tanh"):
        cr.Dense(2, 2, "swish")
    with pytest.raises(ValueError, match="softmax layer needs at least 2 units"):
        cr.Dense(2, 1, "softmax")
    with pytest.raises(
        ValueError, match=r"weights of shape \(2, 2\) do not fit 2 inputs .*\(3, 2\)"
    ):
        cr.Dense(2, 2, weights=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n_out must be a positive integer, got 0"):
        cr.Dense(2, 0)


# -- initialisation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "init,draw",
    [
        ("xavier", xavier_uniform),
        ("glorot", xavier_uniform),
        ("xavier_normal", xavier_normal),
        ("he", he_normal),
        ("he_uniform", he_uniform),
    ],
)
def test_init_draws_the_weight_rows_from_the_seed_and_zeroes_the_bias(init, draw):
    net = cr.MLP([3, 4, 2], hidden="tanh", output="softmax", init=init, seed=7)
    gen = np.random.default_rng(7)  # layer 1 draws first, then layer 2, from the same stream
    np.testing.assert_array_equal(net.weights[0][:-1], draw(3, 4, gen))
    np.testing.assert_array_equal(net.weights[1][:-1], draw(4, 2, gen))
    assert not net.weights[0][-1].any() and not net.weights[1][-1].any()


def test_xavier_and_he_have_the_right_scale():
    n_in, n_out = 400, 200
    W = cr.Dense(n_in, n_out, "tanh", init="xavier", seed=0).W.data[:-1]
    a = np.sqrt(6 / (n_in + n_out))  # Xavier uniform on [−a, a]: standard deviation a/√3
    assert np.abs(W).max() <= a and W.std() == pytest.approx(a / np.sqrt(3), rel=0.02)
    W = cr.Dense(n_in, n_out, "relu", init="he", seed=0).W.data[:-1]
    assert W.std() == pytest.approx(np.sqrt(2 / n_in), rel=0.02)  # He normal: σ = √(2/n_in)


def test_the_default_init_is_he_for_rectifiers_and_xavier_otherwise():
    assert cr.Dense(2, 2, "relu", seed=0).init == "he"
    assert cr.Dense(2, 2, "leaky_relu", seed=0).init == "he"
    assert cr.Dense(2, 2, "sigmoid", seed=0).init == "xavier"
    assert cr.Dense(2, 2, "tanh", seed=0).init == "xavier"


def test_the_same_seed_gives_the_same_weights_bit_for_bit():
    a = cr.MLP([4, 8, 8, 3], hidden="relu", output="softmax", seed=123)
    b = cr.MLP([4, 8, 8, 3], hidden="relu", output="softmax", seed=123)
    c = cr.MLP([4, 8, 8, 3], hidden="relu", output="softmax", seed=124)
    for Wa, Wb in zip(a.weights, b.weights, strict=True):
        assert Wa.tobytes() == Wb.tobytes()
    assert a.weights[0].tobytes() != c.weights[0].tobytes()
    # a Generator works too, and continues its own stream
    d = cr.MLP([4, 8, 8, 3], hidden="relu", output="softmax", seed=np.random.default_rng(123))
    assert d.weights[0].tobytes() == a.weights[0].tobytes()
    with pytest.raises(TypeError, match=r"seed must be an int, a numpy.random.Generator or None"):
        cr.MLP([2, 1], seed="0")


# -- MLP and Sequential -------------------------------------------------------------------------
def test_mlp_builds_its_layers():
    net = cr.MLP([3, 5, 4, 2], hidden="tanh", output="softmax", seed=0)
    assert net.sizes == [3, 5, 4, 2] and net.n_features == 3 and net.n_outputs == 2
    assert net.activations == ["tanh", "tanh", "softmax"]
    assert [W.shape for W in net.weights] == [(4, 5), (6, 4), (5, 2)]
    assert [p.name for p in net.parameters()] == ["W1", "W2", "W3"]
    assert net.loss == "cross_entropy" and net.task == "multiclass"
    assert (net.hidden, net.output) == ("tanh", "softmax")
    with pytest.raises(ValueError, match=r"at least an input and an output size, got \[3\]"):
        cr.MLP([3])


def test_sequential_of_layers():
    layers = [cr.Dense(2, 3, "relu", seed=0), cr.Dense(3, 3, "tanh", seed=1)]
    layers.append(cr.Dense(3, 1, "identity", seed=2))
    net = cr.Sequential(layers)
    assert net.activations == ["relu", "tanh", "identity"] and net.loss == "squared_error"
    assert net.task == "regression" and net.predict(X).shape == (5,)
    a = X
    for layer in layers:
        a = ACTIVATIONS[layer.activation](a @ layer.W.data[:-1] + layer.W.data[-1])
    np.testing.assert_allclose(net.forward(X), a, rtol=1e-14)
    with pytest.raises(ValueError, match="layer 2 takes 4 inputs but layer 1 has 3 units"):
        cr.Sequential([cr.Dense(2, 3), cr.Dense(4, 1)])
    with pytest.raises(TypeError, match="mix dtypes"):
        cr.Sequential([cr.Dense(2, 3), cr.Dense(3, 1, dtype=np.float32)])
    with pytest.raises(TypeError, match=r"non-empty list of chainrule.Dense layers"):
        cr.Sequential([])


def test_print_shows_the_architecture():
    text = str(cr.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=0))
    lines = text.splitlines()
    assert lines[0] == "MLP 2-3-1, float64, loss: binary cross-entropy"
    assert lines[2].split() == ["W1", "(3,", "3)", "2", "→", "3", "tanh", "9"]
    assert lines[3].split() == ["W2", "(4,", "1)", "3", "→", "1", "sigmoid", "4"]
    assert lines[4] == "  13 parameters; the last row of each W is its bias"
    assert repr(cr.Dense(2, 3, seed=0)) == "Dense(2 → 3, sigmoid, W (3, 3))"


def test_weights_by_their_lecture_names():
    net = cr.MLP([2, 2, 1], seed=0)
    net.weights[0][-1] = [0.25, -0.75]  # the biases of hidden units 1 and 2
    assert net.weight("W1[3,1]") == 0.25  # row n_in + 1 is the bias: the lecture's W31
    assert net.weight("W31^(1)") == 0.25
    assert net.weight("W^(1)[3,2]") == -0.75
    assert net.weight("W1[1,2]") == net.weights[0][0, 1]  # 1-based
    net.set_weight("W2[2,1]", 1.5)
    assert net.weights[1][1, 0] == 1.5
    assert cr.parse_weight("W12^(2)") == (2, 1, 2)


@pytest.mark.parametrize(
    "name,message",
    [
        ("W9[1,1]", r"W9\[1,1\]: the network has layers 1..2"),
        ("W1[0,1]", r"W1\[0,1\]: W1 has rows 1..3 \(row 3 is the bias\) and columns 1..2"),
        ("W1[1,3]", r"W1\[1,3\]: W1 has rows 1..3 .* columns 1..2"),
        ("W0[1,1]", r"W0\[1,1\]: the network has layers 1..2"),
        ("w1(1,1)", r"cannot read the weight name 'w1\(1,1\)'; write it as 'W<layer>\[<row>,"),
        ("bias", "cannot read the weight name 'bias'"),
    ],
)
def test_bad_weight_names(name, message):
    net = cr.MLP([2, 2, 1], seed=0)
    with pytest.raises(ValueError, match=message):
        net.weight(name)
    with pytest.raises(ValueError, match=message):
        net.set_weight(name, 0.0)


# -- feedforward, training, dtypes, configs -----------------------------------------------------
def test_the_trace_has_every_layers_h_and_a():
    net = cr.MLP([2, 4, 3, 2], hidden="leaky_relu", output="softmax", seed=1)
    for W in net.weights:
        W[-1] = rng.normal(size=W.shape[1])
    trace = net.forward(X, trace=True)
    assert isinstance(trace, cr.Trace) and len(trace.h) == len(trace.a) == 3
    np.testing.assert_array_equal(trace.x, X)
    a = X
    for k, (W, name) in enumerate(zip(net.weights, net.activations, strict=True)):
        np.testing.assert_array_equal(trace.h[k], a @ W[:-1] + W[-1])  # h^(k) = [a^(k−1), 1] W
        np.testing.assert_allclose(trace.a[k], ACTIVATIONS[name](trace.h[k]), rtol=1e-14)
        assert trace.h[k].shape == trace.a[k].shape == (5, W.shape[1])
        a = trace.a[k]
    np.testing.assert_array_equal(trace.yhat, net.forward(X))
    np.testing.assert_array_equal(net.predict(X), trace.yhat.argmax(axis=1))


def test_forward_records_no_graph_and_call_does():
    net = cr.MLP([2, 3, 1], seed=0)
    assert isinstance(net.forward(X), np.ndarray)
    out = net(X)
    assert isinstance(out, cr.Tensor) and out.grad_fn == "sigmoid"
    out.sum().backward()
    assert net.parameters()[0].grad.shape == (3, 3)


def test_step_decreases_the_error_on_a_small_problem():
    # noisy XOR: not linearly separable, so the hidden layer has to learn
    data = np.random.default_rng(1)
    Xs = data.normal(size=(64, 2))
    ys = (Xs[:, 0] * Xs[:, 1] > 0).astype(float)
    net = cr.MLP([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    errors = [net.step(Xs, ys, lr=0.5) for _ in range(200)]
    assert all(b < a for a, b in itertools.pairwise(errors))  # every step goes down
    assert net.error(Xs, ys) < 0.5 * errors[0]
    assert np.mean(net.predict(Xs) == ys) > 0.9
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -0.1"):
        net.step(Xs, ys, lr=-0.1)


def test_float32_networks_stay_float32():
    net = cr.MLP([2, 4, 3], hidden="relu", output="softmax", seed=0, dtype=np.float32)
    y = np.array([0, 1, 2, 1, 0])
    assert net.dtype == np.float32
    assert all(W.dtype == np.float32 for W in net.weights)
    assert net.forward(X).dtype == np.float32  # float64 X is converted
    assert net.predict_proba(X.tolist()).dtype == np.float32
    trace = net.forward(X, trace=True)
    assert all(v.dtype == np.float32 for v in [trace.x, *trace.h, *trace.a])
    assert all(g.dtype == np.float32 for g in net.gradients(X, y))
    assert isinstance(net.error(X, y), float)
    net.step(X, y, lr=np.float64(0.1))
    assert all(W.dtype == np.float32 for W in net.weights)


@pytest.mark.parametrize(
    "net",
    [
        cr.MLP([3, 5, 2], hidden="relu", output="softmax", seed=0),
        cr.MLP([3, 1], output="identity", seed=0, dtype=np.float32),
        cr.Sequential(
            [cr.Dense(3, 4, "tanh", seed=0), cr.Dense(4, 2, "sigmoid", seed=1)],
            loss="squared_error",
        ),
    ],
)
def test_from_config_round_trips(net):
    config = json.loads(json.dumps(net.get_config()))  # plain JSON-able data
    copy = cr.from_config(config, net.weights)
    assert type(copy) is type(net) and copy.get_config() == net.get_config()
    assert str(copy) == str(net)
    for W, W_copy in zip(net.weights, copy.weights, strict=True):
        assert W_copy.dtype == W.dtype and W_copy.tobytes() == W.tobytes()
        assert W_copy is not W  # copied, not shared
    Xc = rng.normal(size=(4, 3))
    assert copy.forward(Xc).tobytes() == net.forward(Xc).tobytes()
    # without weights: the same architecture, freshly initialised
    assert cr.from_config(config).sizes == net.sizes
    with pytest.raises(ValueError, match="1 weight matrices for 2 layers"):
        cr.from_config(cr.MLP([3, 5, 2], seed=0).get_config(), net.weights[:1])


# -- bad input is refused, saying what and where ------------------------------------------------
def test_x_with_the_wrong_number_of_features():
    net = cr.MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"X has 3 features \(columns\) but the network expects 2"):
        net.forward(rng.normal(size=(4, 3)))


def test_one_dimensional_x():
    net = cr.MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"X must be 2-D .* got shape \(2,\).*reshape\(1, -1\)"):
        net.predict(np.array([1.0, 2.0]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_x_is_named_by_row_and_column(bad):
    net = cr.MLP([2, 3, 1], seed=0)
    Xb = X.copy()
    Xb[3, 1] = bad
    with pytest.raises(ValueError, match=rf"X holds {bad} at row 3, column 1 \(0-based\)"):
        net.forward(Xb)
    with pytest.raises(ValueError, match="at row 3, column 1"):
        net.gradients(Xb, Y01)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_y_is_named_by_row(bad):
    net = cr.MLP([2, 3, 1], output="identity", seed=0)
    yb = np.array([0.0, 1.0, bad, 0.0, 1.0])
    with pytest.raises(ValueError, match=rf"y holds {bad} at row 2, column 0"):
        net.error(X, yb)
    multi = cr.MLP([2, 3, 2], output="identity", seed=0)
    Yb = np.zeros((5, 2))
    Yb[4, 1] = bad
    with pytest.raises(ValueError, match=rf"y holds {bad} at row 4, column 1"):
        multi.gradients(X, Yb)


def test_labels_outside_0_1_for_binary_cross_entropy():
    net = cr.MLP([2, 3, 1], output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"y holds 2.0 at row 2, column 0; binary cross-entropy"):
        net.error(X, np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match=r"at row 0, column 0; .* targets 0 or 1"):
        net.gradients(X, np.array([-1, 1, 1, 0, 1]))


def test_class_indices_out_of_range():
    net = cr.MLP([2, 3, 3], output="softmax", seed=0)
    message = r"y\[{}\] = {} is not a class index in 0..2 \(the network has 3 outputs\)"
    with pytest.raises(ValueError, match=message.format(1, "3.0")):
        net.error(X, np.array([0, 3, 1, 2, 0]))
    with pytest.raises(ValueError, match=message.format(4, "-1.0")):
        net.error(X, np.array([0, 1, 1, 2, -1]))
    with pytest.raises(ValueError, match=message.format(0, "0.5")):
        net.error(X, np.array([0.5, 1, 1, 2, 0]))
    with pytest.raises(ValueError, match=message.format(2, "1e\\+20")):
        net.error(X, np.array([0, 1, 1e20, 2, 0]))  # refused, not cast to a wrapped integer
    with pytest.raises(ValueError, match=r"y row 1 = \[0.0, 2.0, 0.0\] is not a probability row"):
        net.error(X, np.array([[1, 0, 0], [0, 2, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]))


def test_an_output_activation_that_does_not_fit_the_loss():
    with pytest.raises(
        ValueError, match=r"cross_entropy needs a softmax output layer, but .* sigmoid"
    ):
        cr.MLP([2, 3, 2], output="sigmoid", loss="cross_entropy")
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy needs a sigmoid output .* identity"
    ):
        cr.MLP([2, 3, 1], output="identity", loss="bce")
    with pytest.raises(ValueError, match=r"needs a sigmoid output layer, but .* softmax"):
        cr.Sequential([cr.Dense(2, 3, "softmax")], loss="binary_cross_entropy")


def test_length_mismatch_between_x_and_y():
    net = cr.MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="y has 4 targets for 5 samples"):
        net.error(X, Y01[:4])
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\); .* \(5,\)"):
        net.error(X, Y01, sample_weight=np.ones(3))
    multi = cr.MLP([2, 3, 2], output="identity", seed=0)
    with pytest.raises(ValueError, match=r"y has shape \(5, 3\); the network has 2 outputs"):
        multi.error(X, np.zeros((5, 3)))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"hidden": "swish"}, "unknown activation 'swish'; choose one of"),
        ({"output": "softmaxx"}, "unknown activation 'softmaxx'; choose one of"),
        ({"loss": "hinge"}, "unknown loss 'hinge'; choose one of"),
        ({"init": "lecun"}, "unknown init 'lecun'; choose one of xavier, glorot"),
    ],
)
def test_unknown_names(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cr.MLP([2, 3, 1], **kwargs)
    with pytest.raises(ValueError, match=message):  # a one-layer MLP checks them too
        cr.MLP([2, 1], **kwargs)


def test_an_unknown_init_is_refused_even_with_weights_given():
    with pytest.raises(ValueError, match="unknown init 'lecun'"):
        cr.Dense(2, 1, init="lecun", weights=np.zeros((3, 1)))


def test_string_labels_and_empty_x():
    net = cr.MLP([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match="y must hold numbers, got dtype <U1"):
        net.error(X, np.array(list("abaab")))
    with pytest.raises(ValueError, match=r"X has no samples \(shape \(0, 2\)\)"):
        net.forward(np.zeros((0, 2)))


def test_classes_in_any_order_map_labels_both_ways():
    # scikit-learn's bundled datasets keep their own class order (breast_cancer: malignant, benign)
    net = cr.MLP([2, 3, 1], seed=0)
    net.classes = np.array(["malignant", "benign"])
    X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]])
    labels = np.array(["benign", "malignant", "benign"])
    error = net.error(X, labels)
    net.classes = None  # the same network on class indices: benign is index 1
    assert error == net.error(X, np.array([1.0, 0.0, 1.0]))
    net.classes = np.array(["malignant", "benign"])
    indices = (net.forward(X)[:, 0] >= 0.5).astype(int)
    np.testing.assert_array_equal(net.predict(X), net.classes[indices])
    with pytest.raises(ValueError, match=r"y\[1\] = 'benign!' is not one of the network's classes"):
        net.error(X, np.array(["benign", "benign!", "malignant"]))


def test_step_refuses_to_apply_a_non_finite_error_and_keeps_the_weights():
    net = cr.MLP([2, 3, 1], hidden="identity", output="identity", seed=0)
    X = np.array([[1e200, 1.0], [2.0, -1e200]])
    before = [W.copy() for W in net.weights]
    with pytest.raises(cr.DivergedError, match=r"E is inf before this step.*weights were left"):
        net.step(X, np.array([1.0, 2.0]), lr=0.1)
    for W, W0 in zip(net.weights, before, strict=True):
        np.testing.assert_array_equal(W, W0)
    assert issubclass(cr.TrainingDivergedError, cr.DivergedError)
    assert issubclass(cr.DivergedError, FloatingPointError)


def test_sizes_that_are_not_a_list_and_negative_seeds_are_refused_by_name():
    with pytest.raises(TypeError, match=r"sizes must be a list of layer sizes.*got 5"):
        cr.MLP(5)
    with pytest.raises(TypeError, match=r"sizes must be a list.*got '2,2,1'"):
        cr.MLP("2,2,1")
    with pytest.raises(ValueError, match=r"seed must be an int ≥ 0.*got -1"):
        cr.MLP([2, 2, 1], seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an int.*got True"):
        cr.MLP([2, 2, 1], seed=True)
    assert cr.MLP((2, 2, 1), seed=np.int64(3)).sizes == [2, 2, 1]


def test_predict_proba_is_for_probability_outputs_only():
    X = np.random.default_rng(0).standard_normal((3, 2))
    with pytest.raises(ValueError, match=r"output layer is identity.*use predict\(\)"):
        cr.MLP([2, 3, 1], output="identity", seed=0).predict_proba(X)
    # the lecture's squared error on a sigmoid output: ŷ is a probability all the same
    lecture = cr.MLP([2, 3, 1], output="sigmoid", loss="squared_error", seed=0)
    assert lecture.task == "regression"
    np.testing.assert_array_equal(lecture.predict_proba(X), lecture.forward(X))
