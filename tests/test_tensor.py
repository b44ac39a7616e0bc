"""The Tensor: what it holds, the dtype it keeps, and the data it refuses (with where and why)."""

import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeps_float_dtype_and_exposes_array_attributes(dtype):
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    t = cr.tensor(a, requires_grad=True)
    assert t.dtype == dtype
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert isinstance(t.data, np.ndarray) and t.numpy() is t.data
    np.testing.assert_array_equal(t.data, a)
    assert t.requires_grad and t.grad is None and t.is_leaf and t.grad_fn is None


def test_tensor_copies_but_as_tensor_shares():
    a = np.ones(3)
    t, shared = cr.tensor(a), cr.as_tensor(a)
    a[0] = 5.0
    assert t.data[0] == 1.0
    assert shared.data[0] == 5.0


@pytest.mark.parametrize(
    ("data", "expected"),
    [([1, 2, 3], np.float64), (np.array([True, False]), np.float64), (2.5, np.float64)],
)
def test_numbers_that_are_not_float_become_float64(data, expected):
    assert cr.tensor(data).dtype == expected


def test_dtype_argument_converts():
    assert cr.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert cr.tensor(np.ones(2, np.float64), dtype="float32").dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_scalars_and_arrays_adopt_the_tensor_dtype(dtype):
    t = cr.tensor(np.ones((2, 2), dtype), requires_grad=True)
    for out in (t * 2.5, 2.5 * t, t + 1, 1 - t, t / 3, 3 / t, t**2, t + np.ones(2), np.ones(2) * t):
        assert out.dtype == dtype
    (t * 2.5 + np.ones(2, np.float64)).sum().backward()
    assert t.grad.dtype == dtype


def test_mixing_float32_and_float64_tensors_is_refused():
    a = cr.tensor(np.ones(2, np.float32))
    b = cr.tensor(np.ones(2, np.float64))
    with pytest.raises(cr.DTypeError, match=r"add: .*float32 and float64.*astype"):
        a + b
    assert (a.astype(np.float64) + b).dtype == np.float64


def test_strings_are_refused_where_the_tensor_is_made_naming_the_value_and_index():
    with pytest.raises(cr.DTypeError, match=r"'abc'.*index \(1, 0\)") as err:
        cr.tensor([["1.0", "2"], ["abc", "4"]])
    assert isinstance(err.value, TypeError)


def test_numbers_stored_as_text_get_a_hint_to_convert():
    with pytest.raises(cr.DTypeError, match=r"np.asarray\(data, dtype=float\)"):
        cr.tensor(["1.5", "2"])


def test_objects_are_refused_naming_the_first_bad_one():
    with pytest.raises(cr.DTypeError, match=r"None \(NoneType\) at index \(1,\)"):
        cr.tensor(np.array([1.0, None, 3.0], dtype=object))


def test_ragged_rows_are_refused_naming_the_row():
    with pytest.raises(
        cr.ShapeError, match=r"element \(1,\) has 2 entries where element \(0,\) has 3"
    ):
        cr.tensor([[1, 2, 3], [4, 5]])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.ones(2, np.float16), "float16 is not supported"),
        (np.ones(2, np.complex128), "complex numbers"),
    ],
)
def test_unsupported_number_types_are_refused(data, message):
    with pytest.raises(cr.DTypeError, match=message):
        cr.tensor(data)


def test_unsupported_dtype_argument():
    with pytest.raises(cr.DTypeError, match="int32 is not supported"):
        cr.tensor([1.0], dtype=np.int32)


def test_repr_shows_values_dtype_and_graph_role():
    t = cr.tensor([[0.5, -1.0]], requires_grad=True)
    assert repr(t) == "Tensor([[ 0.5, -1. ]], dtype=float64, requires_grad=True)"
    assert repr(t.sigmoid()).endswith("dtype=float64, grad_fn=sigmoid)")
    assert repr(cr.tensor(np.float32(2.0))) == "Tensor(2., dtype=float32)"


def test_item_float_and_detach():
    t = cr.tensor([[3.0]], requires_grad=True)
    assert t.item() == 3.0 and float(t) == 3.0
    with pytest.raises(cr.ShapeError, match=r"shape \(2,\).*exactly one"):
        cr.tensor([1.0, 2.0]).item()
    d = (t * 2).detach()
    assert d.is_leaf and not d.requires_grad and d.item() == 6.0


def test_comparisons_give_boolean_masks_and_equality_is_identity():
    t = cr.tensor([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(t > 0, [False, False, True])
    np.testing.assert_array_equal(t <= cr.tensor([0.0, 0.0, 0.0]), [True, True, False])
    assert t == t and t != cr.tensor([-1.0, 0.0, 2.0])
    assert len({t, t}) == 1


def test_numpy_sees_the_data_and_defers_operators_to_the_tensor():
    t = cr.tensor([1.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    out = np.array([10.0, 20.0]) * t  # ndarray on the left still builds a graph node
    assert isinstance(out, cr.Tensor) and out.grad_fn == "mul"


def test_iteration_and_negative_and_positive():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(t)
    assert len(rows) == 2 and rows[1].grad_fn == "getitem"
    np.testing.assert_array_equal((-t).data, -t.data)
    assert +t is t


def test_requires_grad_toggles_on_leaves_only():
    t = cr.tensor([1.0]).requires_grad_()
    assert t.requires_grad
    with pytest.raises(ValueError, match="detach"):
        (t * 2).requires_grad_(False)


def test_float64_values_too_large_for_float32_are_refused_by_name():
    with pytest.raises(cr.DTypeError, match=r"1e\+300 at index \(1,\) is too large for float32"):
        cr.tensor(np.array([1.0, 1e300]), dtype=np.float32)
    # inf and NaN are not "too large": they pass through to the checks that name them
    t = cr.tensor(np.array([np.inf, np.nan]), dtype=np.float32)
    assert t.dtype == np.float32 and np.isinf(t.data[0]) and np.isnan(t.data[1])


def test_transpose_takes_a_tuple_or_separate_axes():
    t = cr.tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(t.transpose(2, 0, 1).data, t.data.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose((2, 0, 1)).data, t.data.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose().data, t.data.T)


#: every operator and method of Tensor that applies a primitive
OPERATORS = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__", "__rpow__", "__neg__", "__pos__",
    "__abs__", "__getitem__", "exp", "log", "sqrt", "abs", "clip", "maximum", "minimum", "astype",
    "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "log_sigmoid", "softmax", "log_softmax",
    "sum", "mean", "max", "logsumexp", "reshape", "transpose", "T",
)  # fmt: skip


@pytest.mark.parametrize("name", OPERATORS)
def test_operators_are_written_in_the_class_body_typed_and_documented(name):
    # Editors and type checkers read the class body: an operator attached afterwards (setattr)
    # is invisible to them. A function defined in the body has the qualified name Tensor.<name>.
    attr = vars(cr.Tensor)[name]
    method = attr.fget if isinstance(attr, property) else attr
    assert method.__qualname__ == f"Tensor.{name}"
    assert method.__doc__ and method.__annotations__["return"] == "Tensor"


def test_methods_pass_their_arguments_to_the_functions():
    x = cr.tensor([[-2.0, 0.5, 3.0], [1.0, -0.25, 0.0]])
    same = np.testing.assert_array_equal
    same(x.leaky_relu().data, cr.leaky_relu(x).data)
    same(x.leaky_relu(0.2).data, cr.leaky_relu(x, 0.2).data)
    same(x.softmax(0).data, cr.softmax(x, axis=0).data)
    same(x.log_softmax().data, cr.log_softmax(x, axis=-1).data)
    same(x.sum(1, keepdims=True).data, x.data.sum(1, keepdims=True))
    same(x.max(axis=(0, 1)).data, x.data.max())
    same(x.clip(hi=0.5).data, np.minimum(x.data, 0.5))
    same(x.reshape(3, 2).data, x.data.reshape(3, 2))
    same(x.T.data, x.data.T)
    np.testing.assert_allclose((2.0**x).data, 2.0**x.data, rtol=1e-15)


@pytest.mark.parametrize(
    "module",
    ["chainrule.engine.function", "chainrule.engine.ops.affine", "chainrule.engine.grad"],
)
def test_an_engine_module_imported_first_loads_the_engine_in_order(module):
    # tensor.py imports the ops at its end and the ops import tensor.py; chainrule.engine's
    # __init__ loads tensor.py first, so any engine module can be the first one imported.
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
